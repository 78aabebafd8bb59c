import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, RequestOf, SessionCallV1 } from '@persona-gateway/contracts';
import type { Readable } from 'node:stream';
import type { DownstreamConnection } from './downstream-connection.js';
import type { ToolCallOptions } from './downstream-requests.js';
import { RequestAbort, type DirectPost, type PostResponse } from './direct-post.js';
import { MalformedResult, ResultTooLarge } from './response-errors.js';
import { SseParser, SseTooLarge, type SseEvent } from './sse-parser.js';

/** A downstream's answer (a JSON body, or one event of a stream) is read whole up to this, and refused beyond. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Enough of a refusal's body for the log. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** Node's timers take no more (a longer delay fires at once); a total timeout beyond it (24.8 days) is none. */
const MAX_TIMER_MS = 2_147_483_647;

type Message = Record<string, unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * tools/call on a Streamable HTTP session with one undici POST: no fetch, no web streams,
 * no zod, which is most of what the SDK's `Client.request` costs per call. Behaves as the
 * SDK request it replaces:
 * - our own id (`pgw-<n>`, never one of the SDK client's numbers) and, when the caller
 *   asked for progress, our own progress token (the same string): the caller's never
 *   reaches the downstream, `onProgress` relabels it;
 * - a JSON-RPC error is the McpError the SDK would raise; a result gets a cheap structural
 *   check (MalformedResult otherwise) instead of the SDK's schema, and `content: []` when
 *   absent, as the schema's default gave;
 * - 404, and 400 naming the session, are a StreamableHTTPError with that status, so the
 *   session is re-initialised once (see call-errors.ts); any other non-2xx, a 202, an
 *   unexpected content type or a stream that ends unanswered drop the session;
 * - idle timeout restarted by each progress notification, total timeout, caller's abort:
 *   notifications/cancelled goes downstream (through the SDK client) and the request ends;
 * - every other message on the call's event stream (sampling and elicitation requests, log
 *   messages, list_changed...) goes to the SDK client as if its transport had read it,
 *   attributed to this call (DownstreamConnection.receive).
 */
export function directToolCall(connection: DownstreamConnection, post: DirectPost, request: RequestOf<typeof SessionCallV1>, options: ToolCallOptions): Promise<CallToolResult> {
  if (options.cancellation.aborted) return Promise.reject(options.cancellation.reason);
  return new Promise<CallToolResult>((resolve, reject) => new DirectToolCall(connection, post, options, resolve, reject).start(request));
}

class DirectToolCall {
  private readonly id: string;
  private readonly abort = new RequestAbort();
  private settled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private stopListening: (() => void) | undefined;

  constructor(
    private readonly connection: DownstreamConnection,
    private readonly post: DirectPost,
    private readonly options: ToolCallOptions,
    private readonly resolve: (result: CallToolResult) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.id = post.nextId();
  }

  start(request: RequestOf<typeof SessionCallV1>): void {
    const params: Message = { name: request.tool, arguments: request.arguments };
    if (request.progressToken !== undefined) params._meta = { progressToken: this.id };
    const body = JSON.stringify({ jsonrpc: '2.0', id: this.id, method: 'tools/call', params });
    const { idleTimeoutMs, totalTimeoutMs, cancellation } = this.options;
    this.idleTimer = setTimeout(this.onIdle, idleTimeoutMs);
    if (totalTimeoutMs !== undefined && totalTimeoutMs <= MAX_TIMER_MS) this.totalTimer = setTimeout(this.onTotal, totalTimeoutMs);
    this.stopListening = cancellation.onAbort(this.onAbort);
    this.post.post(body, this.abort).then(this.onResponse, this.fail);
  }

  private readonly onResponse = (response: PostResponse): void => {
    const { statusCode, headers, body } = response;
    if (this.settled) return discard(body);
    if (statusCode < 200 || statusCode > 299) return this.refused(response);
    const type = headers['content-type'];
    const encoding = headers['content-encoding'];
    let failure: Error | undefined;
    if (statusCode === 202) failure = new StreamableHTTPError(-1, 'The downstream accepted tools/call without answering it');
    // We ask for identity: a body in another coding would not parse.
    else if (encoding !== undefined && encoding !== 'identity') failure = new StreamableHTTPError(-1, `Unexpected content encoding: ${String(encoding)}`);
    else if (typeof type === 'string' && mediaType(type) === 'application/json') return this.readJson(body);
    else if (typeof type === 'string' && mediaType(type) === 'text/event-stream') return this.readEvents(body);
    else failure = new StreamableHTTPError(-1, `Unexpected content type: ${String(type)}`);
    discard(body);
    this.fail(failure);
  };

  /** What the SDK raises for a refused POST: its status, and the body for the log (a 400 naming the session means "gone"). */
  private refused({ statusCode, body }: PostResponse): void {
    collect(body, MAX_ERROR_BODY_BYTES, (text) => this.fail(new StreamableHTTPError(statusCode, `Error POSTing to endpoint: ${text ?? '(body too large)'}`)), this.fail);
  }

  private readJson(body: Readable): void {
    collect(
      body,
      MAX_RESPONSE_BYTES,
      (text) => {
        if (text === undefined) return this.fail(new ResultTooLarge(`a response body of more than ${MAX_RESPONSE_BYTES} bytes`));
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (error) {
          return this.fail(error); // as the SDK: a broken session
        }
        for (const message of Array.isArray(parsed) ? parsed : [parsed]) this.message(message);
        if (!this.settled) this.fail(new StreamableHTTPError(-1, 'The downstream answered without a response to tools/call'));
      },
      this.fail,
    );
  }

  private readEvents(body: Readable): void {
    const parser = new SseParser(MAX_RESPONSE_BYTES, this.onEvent);
    body.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        body.destroy();
        this.fail(error instanceof SseTooLarge ? new ResultTooLarge(error.message) : error);
      }
    });
    body.on('end', () => {
      if (!this.settled) this.fail(new StreamableHTTPError(-1, 'The event stream ended without a response to tools/call'));
    });
    body.on('error', this.fail);
  }

  private readonly onEvent = (event: SseEvent): void => {
    if ((event.event !== undefined && event.event !== 'message') || event.data.length === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(event.data);
    } catch {
      return; // the SDK reports it to the client's onerror, which ignores it, and reads on
    }
    this.message(message);
  };

  private message(message: unknown): void {
    if (!isRecord(message)) return;
    if (message.id === this.id && ('result' in message || 'error' in message)) return this.answer(message);
    if (message.method === 'notifications/progress' && isRecord(message.params) && message.params.progressToken === this.id) return this.progress(message.params);
    // After the answer the call no longer runs: the newest running call takes it, as for the SDK's own streams.
    this.connection.receive(message, this.settled ? undefined : this.options.target);
  }

  private answer(message: Message): void {
    const { error, result } = message;
    if (error !== undefined) {
      if (isRecord(error) && Number.isSafeInteger(error.code) && typeof error.message === 'string') {
        return this.fail(McpError.fromError(error.code as number, error.message, error.data));
      }
      return this.fail(new MalformedResult('a JSON-RPC error without a numeric code and a message'));
    }
    if (!isCallToolResult(result)) return this.fail(new MalformedResult('a tools/call result that is not a CallToolResult'));
    if (result.content === undefined) result.content = [];
    if (this.settle()) this.resolve(result);
  }

  /** As the SDK's ProgressNotificationSchema: a notification with a wrongly typed field is dropped. */
  private progress(params: Record<string, unknown>): void {
    const { progress, total, message } = params;
    if (typeof progress !== 'number' || (total !== undefined && typeof total !== 'number') || (message !== undefined && typeof message !== 'string')) return;
    if (this.settled) return;
    this.idleTimer?.refresh();
    this.options.onProgress?.({ progress, ...(total !== undefined ? { total } : {}), ...(message !== undefined ? { message } : {}) });
  }

  private readonly onIdle = (): void => {
    this.stop(McpError.fromError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: this.options.idleTimeoutMs }));
  };

  private readonly onTotal = (): void => {
    this.stop(McpError.fromError(ErrorCode.RequestTimeout, 'Maximum total timeout exceeded', { maxTotalTimeout: this.options.totalTimeoutMs, totalElapsed: Date.now() - this.startedAt }));
  };

  private readonly onAbort = (): void => {
    this.stop(this.options.cancellation.reason);
  };

  /** Timeout or cancellation: tell the downstream (as the SDK does, reason and all), end the request, fail with `reason`. */
  private stop(reason: unknown): void {
    if (this.settled) return;
    this.connection.client
      .notification({ method: 'notifications/cancelled', params: { requestId: this.id, reason: String(reason) } })
      .catch(() => undefined); // best effort: the session may be what failed
    this.abort.abort();
    this.fail(reason);
  }

  private readonly fail = (error: unknown): void => {
    if (this.settle()) this.reject(error);
  };

  /** True the first time only. */
  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.totalTimer);
    this.stopListening?.();
    return true;
  }
}

/** Ends a body we will not read (destroying it unread raises an error nobody needs to hear). */
function discard(body: Readable): void {
  body.on('error', () => undefined).destroy();
}

/** The essence of a Content-Type (`type/subtype`, lowercased), parameters dropped. */
function mediaType(header: string): string {
  const semicolon = header.indexOf(';');
  return (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** Reads a whole body as UTF-8; `undefined` (and the body destroyed) past `maxBytes`. */
function collect(body: Readable, maxBytes: number, done: (text: string | undefined) => void, failed: (error: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      return done(undefined);
    }
    chunks.push(chunk);
  });
  body.on('end', () => done(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8')));
  body.on('error', failed);
}

/** What the gateway's CallToolResult contract requires, checked by hand: the fields it relies on, not the content blocks' own shapes. */
function isCallToolResult(result: unknown): result is CallToolResult {
  if (!isRecord(result)) return false;
  const { content, structuredContent, isError } = result;
  if (content !== undefined && !(Array.isArray(content) && content.every((block) => isRecord(block) && typeof block.type === 'string'))) return false;
  if (structuredContent !== undefined && !isRecord(structuredContent)) return false;
  return isError === undefined || typeof isError === 'boolean';
}
