import type { Stream } from 'node:stream';

export const DEFAULT_STDERR_TAIL_BYTES = 4_096;

/**
 * The last few KiB a stdio downstream wrote to stderr. Piping (rather than inheriting)
 * keeps a chatty server out of the gateway's own log, and a crashing one still leaves
 * its last words for the operator. Older output is dropped so memory stays bounded.
 */
export class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit = DEFAULT_STDERR_TAIL_BYTES) {}

  attach(stream: Stream | null): void {
    stream?.on('data', (chunk: Buffer | string) => this.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    if (this.size > this.limit) {
      this.chunks = [this.chunks[0]!.subarray(this.size - this.limit)];
      this.size = this.limit;
    }
  }

  /**
   * The tail as text with every given secret blanked: a server may well echo the
   * environment it was given, and that text ends up in the gateway's log.
   */
  text(secrets: readonly string[] = []): string {
    let text = Buffer.concat(this.chunks).toString('utf8').trim();
    for (const secret of secrets) if (secret.length > 0) text = text.split(secret).join('***');
    return text;
  }
}
