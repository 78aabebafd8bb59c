import { EventEmitter } from 'node:events';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Pool, type Dispatcher } from 'undici';

/** As many as the SDK transport follows. */
const MAX_REDIRECTS = 5;
/** Set per request below; a gateway header of the same name would only confuse the downstream. */
const PROTOCOL_HEADERS = new Set(['content-type', 'accept', 'accept-encoding', 'mcp-session-id', 'mcp-protocol-version']);

export type PostResponse = Dispatcher.ResponseData;

/**
 * A request's abort switch as undici takes it (an EventEmitter with `aborted`): an
 * AbortController's signal costs microseconds per listener added and removed, on every call.
 */
export class RequestAbort extends EventEmitter {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

/**
 * JSON-RPC POSTs to a Streamable HTTP downstream on the session the SDK transport opened,
 * without the SDK's fetch and web streams (the lean tools/call path, see direct-call.ts).
 * One keep-alive undici Pool per downstream session, closed with it. Sends what the
 * transport sends: the gateway's headers and a passthrough caller's (already merged by
 * downstream-transport.ts), the negotiated session id and protocol version; but asks for
 * uncompressed bodies.
 *
 * A redirect is followed only as the SDK transport follows it: 307 or 308, within the
 * origin, at most five times; the gateway's credentials never leave the origin.
 */
export class DirectPost {
  private readonly pool: Pool;
  private readonly path: string;
  private readonly url: URL;
  private readonly own: Record<string, string>;
  private lastId = 0;
  private headers: Record<string, string> | undefined;
  private headersSession: string | undefined;
  private headersVersion: string | undefined;

  constructor(
    url: URL,
    headers: Readonly<Record<string, string>>,
    private readonly transport: StreamableHTTPClientTransport,
  ) {
    this.url = url;
    this.path = `${url.pathname}${url.search}`;
    this.own = Object.fromEntries(Object.entries(headers).filter(([name]) => !PROTOCOL_HEADERS.has(name.toLowerCase())));
    // No undici timeouts: the call's own idle and total timeouts govern, and a tool may run for long.
    this.pool = new Pool(url.origin, { headersTimeout: 0, bodyTimeout: 0 });
  }

  /** A JSON-RPC id the SDK client on the same session never uses (its ids are numbers). */
  nextId(): string {
    this.lastId += 1;
    return `pgw-${this.lastId}`;
  }

  /** `abort` ends the request at any stage: before the answer the promise rejects, after it the body is destroyed. */
  async post(body: string, abort: RequestAbort): Promise<PostResponse> {
    let path = this.path;
    for (let followed = 0; ; followed++) {
      const response = await this.pool.request({ path, method: 'POST', headers: this.requestHeaders(), body, signal: abort });
      const target = followed < MAX_REDIRECTS ? this.redirectWithinOrigin(response, path) : undefined;
      if (target === undefined) return response;
      await response.body.dump();
      path = target;
    }
  }

  /** Ends every request still running and the kept-alive connections. */
  close(): Promise<void> {
    return this.pool.destroy();
  }

  /** Rebuilt only when the transport's session id or protocol version changed (after initialize, never). */
  private requestHeaders(): Record<string, string> {
    const sessionId = this.transport.sessionId;
    const version = this.transport.protocolVersion;
    if (this.headers && sessionId === this.headersSession && version === this.headersVersion) return this.headers;
    const headers: Record<string, string> = {
      ...this.own,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      // Decompressing costs more CPU than the bytes saved on the networks gateways run on.
      'accept-encoding': 'identity',
    };
    if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
    if (version !== undefined) headers['mcp-protocol-version'] = version;
    this.headers = headers;
    this.headersSession = sessionId;
    this.headersVersion = version;
    return headers;
  }

  /** The path to POST to next, for a 307 or 308 that stays within the origin and adds no credentials. */
  private redirectWithinOrigin(response: PostResponse, path: string): string | undefined {
    if (response.statusCode !== 307 && response.statusCode !== 308) return undefined;
    const location = response.headers.location;
    if (typeof location !== 'string') return undefined;
    let target: URL;
    try {
      target = new URL(location, new URL(path, this.url));
    } catch {
      return undefined;
    }
    if (target.origin !== this.url.origin || target.username !== this.url.username || target.password !== this.url.password) return undefined;
    return `${target.pathname}${target.search}`;
  }
}
