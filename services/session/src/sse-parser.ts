import { StringDecoder } from 'node:string_decoder';

/** One dispatched server-sent event: its `event` field (absent means "message") and its data lines, joined. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** An event (or a line) that grew past the parser's limit: the stream is not what we expect. */
export class SseTooLarge extends Error {}

/**
 * Incremental parser for a `text/event-stream` body, fed the chunks as they arrive (the
 * WHATWG event-stream interpretation: CR, LF or CRLF line ends, `data` lines joined with
 * LF, comments and `retry` ignored). `id` is ignored too: a tools/call's POST stream is
 * never resumed. Buffers at most `maxBytes` of one event (counted in UTF-16 code units, a
 * close enough bound), so a server cannot make the gateway hold an unbounded event.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  /** The start of a line whose end has not arrived yet, in pieces (joined once, when it ends). */
  private pending: string[] = [];
  private pendingLength = 0;
  private data = '';
  private hasData = false;
  private event: string | undefined;
  /** The last chunk ended in CR: a LF at the start of the next one belongs to that line end. */
  private skipLf = false;
  private started = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onEvent: (event: SseEvent) => void,
  ) {}

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk);
    let start = 0;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) start = 1;
    }
    if (this.skipLf && text.length > 0) {
      this.skipLf = false;
      if (text.charCodeAt(start) === 0x0a) start += 1;
    }
    // Each search runs once per line end found, not once per line: a chunk holding many short lines stays linear.
    let lf = -2;
    let cr = -2;
    for (;;) {
      if (lf !== -1 && lf < start) lf = text.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = text.indexOf('\r', start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      let line = text.slice(start, end);
      if (this.pending.length > 0) {
        line = this.pending.join('') + line;
        this.pending = [];
        this.pendingLength = 0;
      }
      this.line(line);
      start = end + 1;
      if (end === cr) {
        if (start === text.length) this.skipLf = true;
        else if (text.charCodeAt(start) === 0x0a) start += 1;
      }
    }
    if (start < text.length) {
      this.pending.push(start === 0 ? text : text.slice(start));
      this.pendingLength += text.length - start;
    }
    if (this.pendingLength + this.data.length > this.maxBytes) throw new SseTooLarge(`an event of more than ${this.maxBytes} bytes`);
  }

  private line(line: string): void {
    if (line.length === 0) return this.dispatch();
    const colon = line.indexOf(':');
    if (colon === 0) return; // a comment, often a keep-alive
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') {
      this.data = this.hasData ? `${this.data}\n${value}` : value;
      this.hasData = true;
    } else if (field === 'event') {
      this.event = value;
    }
  }

  private dispatch(): void {
    const event = this.event;
    this.event = undefined;
    if (!this.hasData) return;
    const data = this.data;
    this.data = '';
    this.hasData = false;
    this.onEvent(event === undefined || event === '' ? { data } : { event, data });
  }
}
