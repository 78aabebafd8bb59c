import { randomBytes } from 'node:crypto';
import { OutboundStream, type StreamKind, type StreamLimits, type StreamOwner } from './outbound-stream.js';

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxEvents: 1_000, maxAgeMs: 5 * 60_000 };
export const DEFAULT_MAX_STREAMS = 10_000;
/** Live GET streams one session may hold on one replica; more is a client stuck in a loop. */
export const MAX_STANDALONE_PER_SESSION = 4;

/**
 * The SSE streams of this replica, live and recently ended, by id: the resumability store.
 * It is in memory and per replica (see the README). Lookups by persona or session scan
 * the map: they happen on DELETE and list changes, rare next to the requests they serve.
 */
export class StreamRegistry {
  private readonly streams = new Map<string, OutboundStream>();

  constructor(
    private readonly limits: StreamLimits = DEFAULT_STREAM_LIMITS,
    private readonly maxStreams: number = DEFAULT_MAX_STREAMS,
    private readonly now: () => number = Date.now,
  ) {}

  open(owner: StreamOwner, kind: StreamKind, progressToken?: string | number): OutboundStream {
    if (this.streams.size >= this.maxStreams) this.makeRoom();
    const stream = new OutboundStream({ id: randomBytes(12).toString('base64url'), owner, kind, progressToken }, this.limits, this.now);
    this.streams.set(stream.id, stream);
    return stream;
  }

  /** The stream, if this replica still holds it and it belongs to `session`. */
  find(id: string, session: string): OutboundStream | undefined {
    const stream = this.streams.get(id);
    return stream?.owner.session === session ? stream : undefined;
  }

  get(id: string): OutboundStream | undefined {
    return this.streams.get(id);
  }

  liveStandaloneCount(session: string): number {
    let count = 0;
    for (const stream of this.streams.values()) {
      if (stream.owner.session === session && stream.kind === 'standalone' && !stream.finished && stream.connected) count += 1;
    }
    return count;
  }

  /**
   * Sends a server-initiated message to every session of `persona` with a GET stream here,
   * once per session as the spec requires: on its newest connected stream, else on its
   * newest one (kept for replay when the client comes back).
   */
  notifyPersona(persona: string, json: string): number {
    const targets = new Map<string, OutboundStream>();
    for (const stream of this.streams.values()) {
      if (stream.owner.persona !== persona || stream.kind !== 'standalone' || stream.finished) continue;
      const current = targets.get(stream.owner.session);
      if (!current || stream.connected || !current.connected) targets.set(stream.owner.session, stream);
    }
    for (const stream of targets.values()) stream.send(json);
    return targets.size;
  }

  /** Sends a server-initiated message to one session's newest connected GET stream here (else its newest); false if it has none. */
  notifySession(session: string, json: string): boolean {
    let target: OutboundStream | undefined;
    for (const stream of this.streams.values()) {
      if (stream.owner.session !== session || stream.kind !== 'standalone' || stream.finished) continue;
      if (!target || stream.connected || !target.connected) target = stream;
    }
    target?.send(json);
    return target !== undefined;
  }

  hasStandalone(persona: string): boolean {
    for (const stream of this.streams.values()) if (stream.owner.persona === persona && stream.kind === 'standalone' && !stream.finished) return true;
    return false;
  }

  /** Ends the streams of a terminated session and forgets them: they can no longer be resumed. */
  closeSession(session: string): void {
    this.closeWhere((stream) => stream.owner.session === session);
  }

  closePersona(persona: string): void {
    this.closeWhere((stream) => stream.owner.persona === persona);
  }

  closeAll(): void {
    this.closeWhere(() => true);
  }

  keepAlive(): void {
    for (const stream of this.streams.values()) stream.keepAlive();
  }

  /** Forgets what can no longer be useful: ended or abandoned streams past the retention age. */
  sweep(): void {
    const oldest = this.now() - this.limits.maxAgeMs;
    for (const [id, stream] of this.streams) {
      if (stream.connected || stream.lastActivity >= oldest) continue;
      // A request stream still waiting for its call stays: its response must still land somewhere.
      if (stream.kind === 'request' && !stream.finished) continue;
      stream.finish();
      this.streams.delete(id);
    }
  }

  get size(): number {
    return this.streams.size;
  }

  private makeRoom(): void {
    this.sweep();
    // Still full: drop the least recently active streams nobody is connected to.
    const idle = [...this.streams.values()].filter((s) => !s.connected && (s.finished || s.kind === 'standalone')).sort((a, b) => a.lastActivity - b.lastActivity);
    for (const stream of idle.slice(0, Math.max(0, this.streams.size - this.maxStreams + 1))) {
      stream.finish();
      this.streams.delete(stream.id);
    }
  }

  private closeWhere(predicate: (stream: OutboundStream) => boolean): void {
    for (const [id, stream] of this.streams) {
      if (!predicate(stream)) continue;
      stream.finish();
      this.streams.delete(id);
    }
  }
}
