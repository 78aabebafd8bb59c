import { closeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { GatewayError } from '@persona-gateway/contracts';
import type { NewEvent, PostgresEventStore } from './event-store.js';
import { encodeHeader, encodeRecord, JOURNAL_FORMAT, keyOf } from './journal-format.js';
import { observePending } from './journal-metrics.js';
import { databaseIdentity, presentKeys } from './journal-queries.js';
import { PendingQueue, type Pending } from './journal-queue.js';
import { recoverSegments, SEGMENT_SUFFIX, type JournalLog } from './journal-recovery.js';
import { Segment } from './journal-segment.js';
import { GroupSync } from './journal-sync.js';
import type { Queryable } from './queryable.js';

export const DEFAULT_JOURNAL_FLUSH_MS = 100;
export const DEFAULT_JOURNAL_BATCH = 500;
export const DEFAULT_JOURNAL_MAX_PENDING = 100_000;
export const DEFAULT_JOURNAL_SEGMENT_BYTES = 4 * 1024 * 1024;
export const DEFAULT_JOURNAL_CLOSE_TIMEOUT_MS = 5_000;
const MAX_RETRY_DELAY_MS = 5_000;

export interface EventJournalOptions {
  readonly dir: string;
  /** Names this process's files: unique per process (its instance id); letters, digits, '.', '_' and '-' only. */
  readonly owner: string;
  readonly store: PostgresEventStore;
  /** The store's database, for the few queries recovery and retries make. */
  readonly db: Queryable;
  readonly flushIntervalMs?: number;
  readonly batchSize?: number;
  /** Beyond this many events waiting for the store, `append` refuses. */
  readonly maxPending?: number;
  readonly segmentBytes?: number;
  /** fdatasync before an append counts as done (grouped): survives a power loss too. */
  readonly fsync?: boolean;
  /** How long `close` may spend shipping what is left. */
  readonly closeTimeoutMs?: number;
  readonly log?: JournalLog;
}

/**
 * A local append-only journal in front of the event store. `append` writes the event to
 * a file with a synchronous write, so once it returns the event survives a crash of this
 * process and of the database; a shipper appends journaled events to the store in
 * batches, in order, and removes a file once all of it is stored. `open` first ships
 * what an earlier process left behind.
 *
 * Each event needs `metadata.correlationId`, unique in its stream: after a crash or an
 * append whose outcome is unknown, it is how an event already stored is told apart. The
 * journal must be the only writer of its streams (see presentKeys).
 */
export class EventJournal {
  private state: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private readonly options: Required<Omit<EventJournalOptions, 'log'>>;
  private readonly log: JournalLog;
  private header: Buffer | undefined;
  private segment: Segment | undefined;
  /** Oldest first; removed strictly in order, which recovery's deduplication relies on. */
  private readonly segments: Segment[] = [];
  private sequence = 0;
  private readonly queue = new PendingQueue();
  private timer: NodeJS.Timeout | undefined;
  private timerDelay: number | undefined;
  private shipping: Promise<void> | undefined;
  private failures = 0;
  private readonly sync: GroupSync | undefined;
  private stopObserving: (() => void) | undefined;

  constructor(options: EventJournalOptions) {
    this.options = {
      dir: options.dir,
      owner: options.owner,
      store: options.store,
      db: options.db,
      flushIntervalMs: positive('flushIntervalMs', options.flushIntervalMs ?? DEFAULT_JOURNAL_FLUSH_MS),
      batchSize: positive('batchSize', options.batchSize ?? DEFAULT_JOURNAL_BATCH),
      maxPending: positive('maxPending', options.maxPending ?? DEFAULT_JOURNAL_MAX_PENDING),
      segmentBytes: positive('segmentBytes', options.segmentBytes ?? DEFAULT_JOURNAL_SEGMENT_BYTES),
      fsync: options.fsync ?? false,
      closeTimeoutMs: positive('closeTimeoutMs', options.closeTimeoutMs ?? DEFAULT_JOURNAL_CLOSE_TIMEOUT_MS),
    };
    if (!/^[A-Za-z0-9._-]+$/.test(options.owner)) throw new TypeError(`EventJournal: owner must be letters, digits, '.', '_' or '-' (got "${options.owner}")`);
    this.log = options.log ?? { log: () => undefined, warn: () => undefined };
    this.sync = this.options.fsync ? new GroupSync() : undefined;
  }

  /** Events journaled and not yet in the store. */
  get pendingCount(): number {
    return this.queue.size;
  }

  /** Ships what earlier processes left in the directory, then takes appends. */
  async open(): Promise<void> {
    if (this.state !== 'new') throw new TypeError('EventJournal: open() may be called once');
    const { dir, owner, store, db, batchSize } = this.options;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const database = await databaseIdentity(db);
    await recoverSegments({ dir, database, store, db, batchSize, log: this.log });
    this.header = encodeHeader({ journal: JOURNAL_FORMAT, owner, host: hostname(), pid: process.pid, database });
    this.rotate();
    this.state = 'open';
    this.stopObserving = observePending(this);
  }

  /**
   * Journals the event. When it returns, the event survives a crash of any process;
   * with `fsync`, only once the returned promise resolves (shared by concurrent appends)
   * does it survive a power loss too. Fails with UNAVAILABLE when the event cannot be
   * kept: the file cannot be written, the backlog is full, or the journal is closed.
   */
  append(stream: string, event: NewEvent): Promise<void> | undefined {
    if (this.state !== 'open') {
      if (this.state === 'new') throw new TypeError('EventJournal: append() before open()');
      throw new GatewayError('UNAVAILABLE', 'The event journal is closed');
    }
    if (keyOf(event) === undefined) throw new TypeError('EventJournal: an event needs metadata.correlationId, its key against duplicates');
    if (this.queue.size >= this.options.maxPending) {
      throw new GatewayError('UNAVAILABLE', `${this.queue.size} events are waiting for the event store; refusing more rather than leaving them unrecorded`);
    }
    const line = encodeRecord(stream, event);
    let segment = this.segment!;
    try {
      if (segment.torn || (segment.records > 0 && segment.bytes + line.length > this.options.segmentBytes)) segment = this.rotate();
      segment.write(line);
    } catch (error) {
      throw new GatewayError('UNAVAILABLE', `Cannot write the event journal in ${this.options.dir}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.queue.push({ stream, event, segment, done: false, uncertain: false });
    if (!this.shipping) {
      if (this.queue.size >= this.options.batchSize) this.arm(0);
      else if (this.timer === undefined) this.arm(this.options.flushIntervalMs);
    }
    return this.sync?.request(segment.descriptor);
  }

  /**
   * Stops taking appends and ships what is pending, for at most `closeTimeoutMs`.
   * Whatever could not be shipped stays on disk for the next start.
   */
  async close(): Promise<void> {
    if (this.state !== 'open') {
      if (this.state === 'new') this.state = 'closed';
      return;
    }
    this.state = 'closing';
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + this.options.closeTimeoutMs;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(deadline), new Promise((resolve) => (timeout = setTimeout(resolve, this.options.closeTimeoutMs)))]);
    clearTimeout(timeout);
    await this.sync?.idle();
    this.seal(this.segment!);
    this.removeShipped();
    this.state = 'closed';
    this.stopObserving?.();
    if (this.queue.size > 0) this.log.warn(`event journal: ${this.queue.size} events not yet in the event store stay in ${this.options.dir}; the next start ships them`);
  }

  private arm(delay: number): void {
    if (this.timerDelay === 0) return;
    clearTimeout(this.timer);
    this.timerDelay = delay;
    // Unref'd: pending events are safe on disk, so they never keep the process alive.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDelay = undefined;
      this.shipping = this.ship();
    }, delay).unref();
  }

  /** One ship in flight at a time; full batches go back to back, a partial one waits for the next tick of the timer. */
  private async ship(): Promise<void> {
    try {
      do {
        await this.shipBatch();
      } while (this.queue.size >= this.options.batchSize && this.state === 'open');
      if (this.failures > 0) this.log.log(`event journal: shipping again after ${this.failures} failed attempts`);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.log.warn(`event journal: cannot ship ${this.queue.size} events to the event store (attempt ${this.failures}, retrying): ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      this.shipping = undefined;
    }
    if (this.state !== 'open' || this.queue.size === 0) return;
    this.arm(this.failures > 0 ? retryDelay(this.options.flushIntervalMs, this.failures) : this.queue.size >= this.options.batchSize ? 0 : this.options.flushIntervalMs);
  }

  /** Close's last shipping: after any ship in flight, batches until nothing is pending or time is up. */
  private async drain(deadline: number): Promise<void> {
    await this.shipping;
    let failures = 0;
    while (this.queue.size > 0 && Date.now() < deadline) {
      try {
        await this.shipBatch();
      } catch (error) {
        failures++;
        if (failures === 1) this.log.warn(`event journal: cannot ship at shutdown (retrying until the deadline): ${error instanceof Error ? error.message : String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryDelay(this.options.flushIntervalMs, failures), Math.max(0, deadline - Date.now()))));
      }
    }
  }

  /** The oldest pending events, up to a batch: one append per stream, in journal order. */
  private async shipBatch(): Promise<void> {
    try {
      for (const [stream, entries] of this.queue.batch(this.options.batchSize)) await this.shipStream(stream, entries);
    } finally {
      this.queue.compact();
      this.removeShipped();
    }
  }

  private async shipStream(stream: string, entries: Pending[]): Promise<void> {
    const uncertain = entries.filter((entry) => entry.uncertain);
    if (uncertain.length > 0) {
      const stored = await presentKeys(this.options.db, stream, uncertain.map((entry) => keyOf(entry.event)!));
      for (const entry of uncertain) if (stored.has(keyOf(entry.event)!)) this.queue.shipped(entry);
      entries = entries.filter((entry) => !entry.done);
      if (entries.length === 0) return;
    }
    try {
      await this.options.store.appendToStream(stream, entries.map((entry) => entry.event));
    } catch (error) {
      for (const entry of entries) entry.uncertain = true;
      throw error;
    }
    for (const entry of entries) this.queue.shipped(entry);
  }

  /** Opens the next file and seals the current one. */
  private rotate(): Segment {
    const name = `${this.options.owner}-${String(++this.sequence).padStart(6, '0')}${SEGMENT_SUFFIX}`;
    const next = Segment.create(this.options.dir, name, this.header!, this.options.fsync);
    if (this.segment) this.seal(this.segment);
    this.segment = next;
    this.segments.push(next);
    this.removeShipped();
    return next;
  }

  private seal(segment: Segment): void {
    const sync = this.sync;
    // Appends to this file may still wait for their group's sync, which needs it open.
    if (sync) segment.seal((fd) => sync.afterRequested(() => closeSync(fd)));
    else segment.seal();
  }

  private removeShipped(): void {
    while (this.segments.length > 0 && this.segments[0]!.done) {
      const segment = this.segments.shift()!;
      try {
        segment.remove();
      } catch (error) {
        this.log.warn(`event journal: cannot remove shipped ${segment.path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new TypeError(`EventJournal: ${name} must be a positive whole number (got ${value})`);
  return value;
}

function retryDelay(base: number, failures: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.min(failures, 16));
}
