import { GatewayError, type GatewayTransport, type SessionKey } from '@persona-gateway/contracts';
import type { DownstreamConnection } from './downstream-connection.js';

/** Opens a connection for a key; `onLost` is called if it later goes away by itself. */
export type OpenConnection = (key: SessionKey, connection: GatewayTransport, onLost: () => void, forwarded?: Readonly<Record<string, string>>) => Promise<DownstreamConnection>;

/** A session held for the duration of one call. */
export interface Lease {
  readonly connection: DownstreamConnection;
  /** The session is broken: no new call gets it; it closes once its last call returns. */
  discard(): void;
  release(): void;
}

interface Entry {
  readonly id: string;
  readonly key: SessionKey;
  /** The connection definition and forwarded headers it was opened with, as JSON: compared on every call, so not hashed. */
  readonly definition: string;
  /** What the last call passed: the same objects again skip building the JSON (the catalog replaces, never mutates, them). */
  lastConnection?: GatewayTransport;
  lastForwarded?: Readonly<Record<string, string>>;
  readonly ready: Promise<DownstreamConnection>;
  connection?: DownstreamConnection;
  openedAt?: Date;
  /** Epoch ms: a Date per call is garbage on the hot path. */
  lastUsedAt: number;
  inFlight: number;
  retired: boolean;
  timer?: NodeJS.Timeout;
}

export interface SessionSnapshot {
  readonly key: SessionKey;
  readonly openedAt: Date;
  readonly lastUsedAt: Date;
  readonly downstreamSessionId?: string;
}

/**
 * One downstream session per persona x gateway x principal, reused by every call for
 * that key. Concurrent first calls share one pending connect. A session idle (no call
 * in flight) for `idleTtlMs` closes; a call never loses its session halfway through.
 */
export class SessionTable {
  private readonly entries = new Map<string, Entry>();
  private readonly live = new Set<Entry>();
  private readonly closing = new Set<Promise<void>>();
  private opened = 0;
  private closed = false;

  constructor(
    private readonly open: OpenConnection,
    private readonly idleTtlMs: number,
  ) {}

  /**
   * `forwarded`: a passthrough caller's headers. The principal already keeps callers apart;
   * should the same principal come with other values (a JWT subject with a new tenant header),
   * the session is replaced, so a downstream always sees the current caller's headers.
   */
  async acquire(key: SessionKey, connection: GatewayTransport, forwarded?: Readonly<Record<string, string>>): Promise<Lease> {
    if (this.closed) throw new GatewayError('UNAVAILABLE', 'The session service is shutting down');
    const id = JSON.stringify([key.persona, key.gateway, key.principal]);
    // The registry may have changed the gateway's URL, command or credentials since this session opened.
    let entry = this.entries.get(id);
    // In one process the router hands over the catalog's own objects: the same ones mean the same definition.
    const same = entry !== undefined && entry.lastConnection === connection && entry.lastForwarded === forwarded;
    const definition = same ? entry!.definition : JSON.stringify([connection, forwarded ?? null]);
    if (entry && entry.definition !== definition) {
      this.retire(entry);
      entry = undefined;
    }
    entry ??= this.create(id, key, definition, connection, forwarded);
    entry.lastConnection = connection;
    entry.lastForwarded = forwarded;
    entry.inFlight += 1;
    entry.lastUsedAt = Date.now();
    clearTimeout(entry.timer);
    let ready: DownstreamConnection;
    try {
      ready = await entry.ready;
    } catch (error) {
      entry.inFlight -= 1;
      throw error;
    }
    const held = entry;
    let released = false;
    return {
      connection: ready,
      discard: () => this.retire(held),
      release: () => {
        if (released) return;
        released = true;
        this.release(held);
      },
    };
  }

  get openedTotal(): number {
    return this.opened;
  }

  /** Sessions open and in service (not those retired and waiting for their last call). */
  sessions(): SessionSnapshot[] {
    return [...this.entries.values()].flatMap((entry) =>
      entry.connection && !entry.retired
        ? [{ key: entry.key, openedAt: entry.openedAt!, lastUsedAt: new Date(entry.lastUsedAt), downstreamSessionId: entry.connection.sessionId }]
        : [],
    );
  }

  /** Closes every session, including those still connecting or finishing a call. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = new Set([...this.entries.values(), ...this.live]);
    this.entries.clear();
    await Promise.all([
      ...[...all].map(async (entry) => {
        clearTimeout(entry.timer);
        entry.retired = true;
        const connection = await entry.ready.catch(() => undefined);
        await connection?.close();
        this.live.delete(entry);
      }),
      ...this.closing, // sessions closed earlier whose processes may still be being reaped
    ]);
  }

  private create(id: string, key: SessionKey, definition: string, connection: GatewayTransport, forwarded: Readonly<Record<string, string>> | undefined): Entry {
    const entry: Entry = {
      id,
      key,
      definition,
      ready: this.open(key, connection, () => this.retire(entry), forwarded),
      lastUsedAt: Date.now(),
      inFlight: 0,
      retired: false,
    };
    this.entries.set(id, entry);
    // Registered before any caller awaits `ready`, so callers always find `connection` set.
    entry.ready.then(
      (opened) => {
        this.opened += 1;
        entry.connection = opened;
        entry.openedAt = new Date();
        this.live.add(entry);
        if (entry.retired && entry.inFlight === 0) this.closeEntry(entry);
      },
      () => this.forget(entry),
    );
    return entry;
  }

  private release(entry: Entry): void {
    entry.inFlight -= 1;
    entry.lastUsedAt = Date.now();
    if (entry.inFlight > 0) return;
    if (entry.retired) return this.closeEntry(entry);
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (entry.inFlight > 0) return; // the next release re-arms it
      this.forget(entry);
      this.closeEntry(entry);
    }, this.idleTtlMs);
    entry.timer.unref(); // an idle session must not keep the process alive
  }

  private retire(entry: Entry): void {
    this.forget(entry);
    if (entry.retired) return;
    entry.retired = true;
    clearTimeout(entry.timer);
    if (entry.inFlight === 0 && entry.connection) this.closeEntry(entry);
  }

  private forget(entry: Entry): void {
    if (this.entries.get(entry.id) === entry) this.entries.delete(entry.id);
  }

  private closeEntry(entry: Entry): void {
    entry.retired = true;
    this.live.delete(entry);
    if (!entry.connection) return;
    const closing = entry.connection.close();
    this.closing.add(closing);
    void closing.finally(() => this.closing.delete(closing));
  }
}
