import { ALICE_TOKEN } from './personas.js';

/** Speaks to an endpoint with plain fetch: for what an SDK client never sends. */
export class RawClient {
  constructor(
    readonly url: string,
    readonly token: string = ALICE_TOKEN,
  ) {}

  headers(extra: Record<string, string | undefined> = {}): Record<string, string> {
    const all: Record<string, string | undefined> = {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      authorization: `Bearer ${this.token}`,
      ...extra,
    };
    return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  post(body: unknown, headers: Record<string, string | undefined> = {}): Promise<Response> {
    return fetch(this.url, { method: 'POST', headers: this.headers(headers), body: typeof body === 'string' ? body : JSON.stringify(body) });
  }

  /** Initialises a session and returns its id. */
  async initialize(protocolVersion = '2025-11-25'): Promise<string> {
    const response = await this.post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    if (response.status !== 200) throw new Error(`initialize answered ${response.status}: ${await response.text()}`);
    const session = response.headers.get('mcp-session-id');
    if (!session) throw new Error('initialize answered without Mcp-Session-Id');
    await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': session });
    return session;
  }

  request(session: string, id: number | string, method: string, params?: unknown, headers: Record<string, string | undefined> = {}): Promise<Response> {
    return this.post({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }, { 'mcp-session-id': session, ...headers });
  }

  get(session: string | undefined, headers: Record<string, string | undefined> = {}, signal?: AbortSignal): Promise<Response> {
    return fetch(this.url, { method: 'GET', headers: this.headers({ accept: 'text/event-stream', 'content-type': undefined, 'mcp-session-id': session, ...headers }), signal });
  }

  delete(session: string, headers: Record<string, string | undefined> = {}): Promise<Response> {
    return fetch(this.url, { method: 'DELETE', headers: this.headers({ 'content-type': undefined, 'mcp-session-id': session, ...headers }) });
  }
}

/** A JSON-RPC error body, checked for shape: no stack, no extra fields. */
export async function rpcError(response: Response): Promise<{ id: unknown; code: number; message: string }> {
  const body = (await response.json()) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(body.jsonrpc).toBe('2.0');
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  return { id: body.id, ...body.error };
}
