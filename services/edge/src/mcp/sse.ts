import type { ServerResponse } from 'node:http';

/** One client connection carrying an SSE stream. */
export interface SseSink {
  readonly closed: boolean;
  write(chunk: string): void;
  end(): void;
  /** Called once, when the connection ends for whatever reason (client gone, end()). */
  onClose(listener: () => void): void;
}

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  // Proxies such as nginx buffer responses unless told not to; events must flow as they happen.
  'x-accel-buffering': 'no',
};

/** A comment line: keeps idle connections (and the proxies between) from timing out. */
export const SSE_KEEPALIVE = ': keep-alive\n\n';

/** A priming event: an id with empty data, so the client can resume from here. */
export function sseCursor(id: string): string {
  return `id: ${id}\ndata: \n\n`;
}

export function sseEvent(id: string, data: string): string {
  // JSON carries no raw newlines inside strings, but may between tokens; each line needs its own "data:".
  const lines = data.includes('\n') || data.includes('\r') ? data.split(/\r\n|\r|\n/).join('\ndata: ') : data;
  return `id: ${id}\nevent: message\ndata: ${lines}\n\n`;
}

/** An SSE sink over Node's response, after the head has been written. */
export class ServerResponseSink implements SseSink {
  constructor(private readonly response: ServerResponse) {}

  get closed(): boolean {
    return this.response.writableEnded || this.response.destroyed;
  }

  write(chunk: string): void {
    // A slow reader makes Node buffer; the stream's event cap bounds how much.
    if (!this.closed) this.response.write(chunk);
  }

  end(): void {
    if (!this.closed) this.response.end();
  }

  onClose(listener: () => void): void {
    this.response.once('close', listener);
  }
}
