export interface SseMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/** Reads SSE off a fetch response, for the protocol tests that bypass the SDK. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<string>;
  private buffer = '';
  private ended = false;
  private readonly queue: SseMessage[] = [];
  /** Comment frames seen so far (keep-alives). */
  comments = 0;

  constructor(response: Response) {
    if (!response.body) throw new Error('response has no body');
    this.reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next event (comments counted, not returned), or undefined once the server has ended the stream. */
  async next(timeoutMs = 5_000): Promise<SseMessage | undefined> {
    await this.pump(() => this.queue.length > 0, timeoutMs);
    return this.queue.shift();
  }

  /** Events until the server ends the stream. */
  async rest(timeoutMs = 5_000): Promise<SseMessage[]> {
    await this.pump(() => false, timeoutMs);
    return this.queue.splice(0);
  }

  async waitForComments(count: number, timeoutMs = 5_000): Promise<void> {
    await this.pump(() => this.comments >= count, timeoutMs);
    if (this.comments < count) throw new Error('stream ended before the keep-alives');
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  private async pump(done: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.parse();
      if (done() || this.ended) return;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`SSE: nothing more within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`SSE: nothing more within ${timeoutMs} ms`)), remaining))),
      ]).finally(() => clearTimeout(timer));
      if (chunk.done) this.ended = true;
      else this.buffer += chunk.value;
    }
  }

  private parse(): void {
    for (let boundary = this.buffer.indexOf('\n\n'); boundary >= 0; boundary = this.buffer.indexOf('\n\n')) {
      const block = this.buffer.slice(0, boundary);
      this.buffer = this.buffer.slice(boundary + 2);
      const message = parseBlock(block);
      if (message) this.queue.push(message);
      else if (block.startsWith(':')) this.comments += 1;
    }
  }
}

function parseBlock(block: string): SseMessage | undefined {
  let id: string | undefined;
  let event: string | undefined;
  const data: string[] = [];
  let fields = 0;
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    fields += 1;
    if (name === 'id') id = value;
    else if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
  }
  return fields === 0 ? undefined : { id, event, data: data.join('\n') };
}
