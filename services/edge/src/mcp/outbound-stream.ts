import { SSE_KEEPALIVE, sseCursor, sseEvent, type SseSink } from './sse.js';

/** Whose stream it is: only the same session may resume it. */
export interface StreamOwner {
  readonly persona: string;
  readonly session: string;
}

export interface StreamLimits {
  /** Events kept per stream for replay; older ones are dropped first. */
  readonly maxEvents: number;
  /** How long an event (and a stream nobody is connected to) is kept for replay. */
  readonly maxAgeMs: number;
}

export type StreamKind =
  /** Carries one POST's progress notifications, then its response, then ends. */
  | 'request'
  /** Opened by GET: server-initiated notifications for as long as the session lives. */
  | 'standalone';

interface StoredEvent {
  readonly seq: number;
  readonly at: number;
  readonly frame: string;
}

/** Event ids are "<stream id>.<sequence>": Last-Event-ID alone finds the stream to resume. */
export function eventId(stream: string, seq: number): string {
  return `${stream}.${seq}`;
}

const EVENT_ID = /^([A-Za-z0-9_-]{8,64})\.(\d{1,15})$/;

export function parseEventId(value: string): { stream: string; seq: number } | undefined {
  const match = EVENT_ID.exec(value);
  return match ? { stream: match[1]!, seq: Number(match[2]) } : undefined;
}

/**
 * One SSE stream of a session. Every message gets an event id and is kept (bounded by
 * count and age) whether or not a client is connected, so a client that lost its
 * connection can come back with Last-Event-ID and miss nothing still held. At most one
 * connection carries the stream at a time: a resume takes over from a stale one.
 */
export class OutboundStream {
  private readonly events: StoredEvent[] = [];
  private seq = 0;
  private sink: SseSink | undefined;
  private done = false;
  private touchedAt: number;

  readonly id: string;
  readonly owner: StreamOwner;
  readonly kind: StreamKind;
  /** A request stream's progress token: progress for any other token is not this stream's. */
  readonly progressToken: string | number | undefined;

  constructor(
    spec: { id: string; owner: StreamOwner; kind: StreamKind; progressToken?: string | number },
    private readonly limits: StreamLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.id = spec.id;
    this.owner = spec.owner;
    this.kind = spec.kind;
    this.progressToken = spec.progressToken;
    this.touchedAt = now();
  }

  get finished(): boolean {
    return this.done;
  }

  get connected(): boolean {
    return this.sink !== undefined && !this.sink.closed;
  }

  /** Last time something was sent or a client left; what retention counts from. */
  get lastActivity(): number {
    return this.touchedAt;
  }

  /** Appends a JSON-RPC message (already serialised) and delivers it if a client is connected. */
  send(json: string): void {
    if (this.done) return;
    const at = this.now();
    const frame = sseEvent(eventId(this.id, ++this.seq), json);
    this.events.push({ seq: this.seq, at, frame });
    this.trim(at);
    this.touchedAt = at;
    this.sink?.write(frame);
  }

  /** Nothing more will be sent: the connection ends; the events stay for replay until they age out. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.touchedAt = this.now();
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
  }

  hasEventsAfter(seq: number): boolean {
    this.trim(this.now());
    return this.events.length > 0 && this.events[this.events.length - 1]!.seq > seq;
  }

  /**
   * Connects a client. A new connection is primed with the current position (when its
   * client understands priming events) and gets everything sent so far; a resume gets
   * what followed `after`. Either way the stream then continues live, unless finished.
   */
  attach(sink: SseSink, options: { after?: number; prime?: boolean } = {}): void {
    const previous = this.sink;
    this.sink = sink;
    previous?.end();
    this.trim(this.now());
    if (options.after === undefined && options.prime) sink.write(sseCursor(eventId(this.id, 0)));
    const after = options.after ?? 0;
    for (const event of this.events) if (event.seq > after) sink.write(event.frame);
    if (this.done) {
      this.sink = undefined;
      sink.end();
      return;
    }
    sink.onClose(() => {
      if (this.sink !== sink) return;
      this.sink = undefined;
      this.touchedAt = this.now();
    });
  }

  keepAlive(): void {
    if (this.connected) this.sink!.write(SSE_KEEPALIVE);
  }

  private trim(now: number): void {
    const oldest = now - this.limits.maxAgeMs;
    while (this.events.length > 0 && (this.events.length > this.limits.maxEvents || this.events[0]!.at < oldest)) this.events.shift();
  }
}
