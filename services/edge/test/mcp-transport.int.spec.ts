import { InProcessBus } from '@persona-gateway/bus';
import { ALLOWED_ORIGIN, PUBLIC_URL, randomKey, startEdge, type EdgeApp } from './support/edge-app.js';
import { ALICE_TOKEN, BOB_TOKEN, DEMO_TOOLS, personaView, StaticDirectory, TokenAuthenticator } from './support/personas.js';
import { RawClient, rpcError } from './support/raw-client.js';
import { startTestRouter, type TestRouter } from './support/test-router.js';

describe('persona MCP endpoint: Streamable HTTP edge cases, over plain fetch', () => {
  let bus: InProcessBus;
  let router: TestRouter;
  let edge: EdgeApp;
  let demo: RawClient;
  // Pretty-printed on purpose: if the endpoint re-serialised the tools, the bytes would differ.
  const tools = personaView({ slug: 'demo' }).tools;
  const toolsListJson = JSON.stringify({ tools }, null, 1);
  // Characters of two, three and four bytes in UTF-8: the length sent is of the bytes, not of the string.
  const wideToolsListJson = JSON.stringify({ tools: [{ name: 'Echo_grüßen', description: 'Grüße, ✓ 𝄞', inputSchema: { type: 'object' } }] });

  beforeAll(async () => {
    bus = new InProcessBus();
    const directory = new StaticDirectory([{ ...personaView({ slug: 'demo' }), toolsListJson }, personaView({ slug: 'other' }), { ...personaView({ slug: 'wide' }), toolsListJson: wideToolsListJson }]);
    router = await startTestRouter(bus);
    edge = await startEdge({ bus, key: randomKey(), directory, authenticator: new TokenAuthenticator() });
    demo = new RawClient(edge.endpoint('demo'));
  });

  afterAll(async () => {
    await edge.close();
    await router.close();
    await bus.close();
  });

  it('answers tools/list with the persona\'s cached JSON, byte for byte', async () => {
    const session = await demo.initialize();
    const response = await demo.request(session, 7, 'tools/list');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(await response.text()).toBe(`{"jsonrpc":"2.0","id":7,"result":${toolsListJson}}`);
    expect(JSON.parse(toolsListJson).tools).toEqual(DEMO_TOOLS);

    const wide = new RawClient(edge.endpoint('wide'));
    const wideSession = await wide.initialize();
    for (const id of ['list "ü"', 8]) {
      const answer = await wide.request(wideSession, id, 'tools/list');
      const expected = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${wideToolsListJson}}`;
      expect(answer.headers.get('content-length')).toBe(String(Buffer.byteLength(expected)));
      expect(await answer.text()).toBe(expected);
    }
  });

  it('negotiates the protocol version: the client\'s if supported, else the latest', async () => {
    for (const [offered, answered] of [
      ['2025-06-18', '2025-06-18'],
      ['2024-11-05', '2024-11-05'],
      ['2099-01-01', '2025-11-25'],
    ]) {
      const response = await demo.post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: offered, capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
      expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(answered);
    }
    const missing = await demo.post({ jsonrpc: '2.0', id: 2, method: 'initialize', params: {} });
    expect(await rpcError(missing)).toEqual({ id: 2, code: -32602, message: 'Invalid params: protocolVersion must be a string' });
  });

  it('refuses a foreign Origin with 403, and serves the allowed ones with CORS', async () => {
    const session = await demo.initialize();
    const evil = await demo.request(session, 1, 'ping', undefined, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(await rpcError(evil)).toEqual({ id: null, code: -32000, message: 'Forbidden: Origin not allowed' });
    expect((await demo.request(session, 1, 'ping', undefined, { origin: 'null' })).status).toBe(403);
    expect((await demo.get(session, { origin: 'http://localhost.evil.example:6274' })).status).toBe(403);

    for (const origin of [PUBLIC_URL, ALLOWED_ORIGIN, 'http://localhost:6274', 'http://127.0.0.1:3000', 'http://[::1]:8080']) {
      const response = await demo.request(session, 1, 'ping', undefined, { origin });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    }
    const preflight = await fetch(demo.url, { method: 'OPTIONS', headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Mcp-Session-Id');
    expect((await fetch(demo.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });

  it('serves the endpoint on Node\'s server directly: query strings, streamed bodies over the limit, other paths left to Fastify', async () => {
    const session = await demo.initialize();
    const withQuery = new RawClient(`${demo.url}?client=raw`);
    expect(await (await withQuery.request(session, 3, 'ping')).json()).toEqual({ jsonrpc: '2.0', id: 3, result: {} });
    expect((await new RawClient(`${edge.base}/personas/de%6do/mcp`).request(session, 4, 'ping')).status).toBe(200);
    expect((await new RawClient(`${edge.base}/personas/demo/mcp/`).request(session, 5, 'ping')).status).toBe(404);

    // No Content-Length: the limit is enforced while reading, and the connection stays usable.
    const parts = [`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"Demo_echo","arguments":{"text":"`, 'x'.repeat(5 * 1024 * 1024), '"}}}'];
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });
    const huge = await fetch(demo.url, { method: 'POST', headers: demo.headers({ 'mcp-session-id': session }), body: streamed, duplex: 'half' } as RequestInit);
    expect(huge.status).toBe(413);
    expect(await rpcError(huge)).toEqual({ id: null, code: -32000, message: expect.stringMatching(/too large/i) });
    expect((await demo.request(session, 7, 'ping')).status).toBe(200);
  });

  it('asks for credentials with 401 and WWW-Authenticate: Bearer', async () => {
    const anonymous = await fetch(demo.url, { method: 'POST', headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(await rpcError(anonymous)).toEqual({ id: null, code: -32000, message: 'Invalid or expired token' });
    const wrong = await new RawClient(demo.url, 'not-a-token').post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    expect((await new RawClient(demo.url, 'not-a-token').get('x')).status).toBe(401);
  });

  it('answers an unknown persona exactly like a refused credential, so slugs cannot be enumerated', async () => {
    const response = await new RawClient(edge.endpoint('nope')).post({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const refused = await new RawClient(demo.url, 'not-a-token').post({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(refused.headers.get('www-authenticate'));
    expect(await rpcError(response)).toEqual({ id: null, code: -32000, message: 'Invalid or expired token' });
    expect(await rpcError(refused)).toEqual({ id: null, code: -32000, message: 'Invalid or expired token' });
  });

  it('insists on the Accept and Content-Type the spec requires', async () => {
    const session = await demo.initialize();
    for (const accept of ['application/json', 'text/event-stream', 'text/html', 'application/json, text/event-stream;q=0']) {
      expect((await demo.request(session, 1, 'ping', undefined, { accept })).status).toBe(406);
    }
    expect((await demo.request(session, 1, 'ping', undefined, { accept: '*/*' })).status).toBe(200);
    for (const contentType of ['text/plain', 'application/xml', 'application/jsonx', undefined]) {
      const response = await demo.request(session, 1, 'ping', undefined, { 'content-type': contentType });
      expect(response.status).toBe(415);
      expect((await rpcError(response)).message).toBe('Unsupported Media Type: Content-Type must be application/json');
    }
    expect((await demo.request(session, 1, 'ping', undefined, { 'content-type': 'application/json; charset=utf-8' })).status).toBe(200);
    expect((await demo.get(session, { accept: 'application/json' })).status).toBe(406);
  });

  it('refuses what is not one JSON-RPC message', async () => {
    const session = await demo.initialize();
    const headers = { 'mcp-session-id': session };
    const cases: Array<[string, number, number]> = [
      ['{"jsonrpc":"2.0","id":1,"method":"ping"', 400, -32700],
      ['', 400, -32700],
      [JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }]), 400, -32600],
      [JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'ping' }), 400, -32600],
      [JSON.stringify({ jsonrpc: '2.0', id: { nested: true }, method: 'ping' }), 400, -32600],
      [JSON.stringify({ jsonrpc: '2.0', id: 1 }), 400, -32600],
      [JSON.stringify({ jsonrpc: '2.0', id: 1, method: 42 }), 400, -32600],
      ['"just a string"', 400, -32600],
    ];
    for (const [body, status, code] of cases) {
      const response = await demo.post(body, headers);
      expect([body, response.status]).toEqual([body, status]);
      const error = await rpcError(response);
      expect([body, error.id, error.code]).toEqual([body, null, code]);
    }
    const batch = await demo.post([{ jsonrpc: '2.0', id: 1, method: 'ping' }], headers);
    expect((await rpcError(batch)).message).toMatch(/batches are not supported/);
  });

  it('answers bad params with -32602 and unknown methods with -32601, keeping the request id', async () => {
    const session = await demo.initialize();
    for (const params of [[1, 2], 'text', 5, null]) {
      const response = await demo.request(session, 'req-1', 'tools/list', params);
      expect(response.status).toBe(200);
      expect(await rpcError(response)).toEqual({ id: 'req-1', code: -32602, message: 'Invalid params: params must be an object' });
    }
    expect(await rpcError(await demo.request(session, 3, 'tools/call', { name: 'Demo_echo', arguments: [1] }))).toEqual({ id: 3, code: -32602, message: 'Invalid params: arguments must be an object' });
    expect(await rpcError(await demo.request(session, 4, 'tools/call', {}))).toEqual({ id: 4, code: -32602, message: 'Invalid params: name must be a non-empty string' });
    expect(await rpcError(await demo.request(session, 5, 'tools/call', { name: 'Demo_echo', _meta: { progressToken: {} } }))).toMatchObject({ id: 5, code: -32602 });
    expect(await rpcError(await demo.request(session, 6, 'sampling/createMessage', {}))).toEqual({ id: 6, code: -32601, message: 'Method not found' });
  });

  it('acknowledges notifications and client responses with 202 and no body', async () => {
    const session = await demo.initialize();
    for (const message of [{ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }, { jsonrpc: '2.0', id: 9, result: {} }, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 12345 } }]) {
      const response = await demo.post(message, { 'mcp-session-id': session });
      expect(response.status).toBe(202);
      expect(await response.text()).toBe('');
    }
  });

  it('requires a session after initialize: 400 without one, 404 for one that is not valid here', async () => {
    const session = await demo.initialize();
    const missing = await demo.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(missing.status).toBe(400);
    expect((await rpcError(missing)).message).toBe('Bad Request: Mcp-Session-Id header is required');

    const tampered = session.slice(0, -4) + (session.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const id of ['made-up', tampered, 'v1.' + 'A'.repeat(5_000)]) {
      const response = await demo.request(id, 1, 'tools/list');
      expect(response.status).toBe(404);
      expect(await rpcError(response)).toEqual({ id: null, code: -32001, message: 'Session not found' });
    }
    // A session belongs to its persona and to the principal that opened it.
    expect((await new RawClient(edge.endpoint('other')).request(session, 1, 'tools/list')).status).toBe(404);
    expect((await new RawClient(demo.url, BOB_TOKEN).request(session, 1, 'tools/list')).status).toBe(404);
    expect((await new RawClient(edge.endpoint('other')).get(session)).status).toBe(404);
    expect((await demo.get(undefined)).status).toBe(400);
  });

  it('checks MCP-Protocol-Version after initialize: unsupported is 400, absent means the negotiated one', async () => {
    const session = await demo.initialize('2025-06-18');
    const unsupported = await demo.request(session, 1, 'ping', undefined, { 'mcp-protocol-version': '2099-12-31' });
    expect(unsupported.status).toBe(400);
    expect((await rpcError(unsupported)).message).toMatch(/^Bad Request: Unsupported protocol version: 2099-12-31 \(supported versions: 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05\)$/);
    expect((await demo.get(session, { 'mcp-protocol-version': 'nonsense' })).status).toBe(400);
    expect((await demo.request(session, 1, 'ping')).status).toBe(200);
    expect((await demo.request(session, 1, 'ping', undefined, { 'mcp-protocol-version': '2025-06-18' })).status).toBe(200);
  });

  it('terminates a session on DELETE, after which every method answers 404', async () => {
    const session = await demo.initialize();
    expect((await demo.delete(session)).status).toBe(200);
    expect((await demo.request(session, 1, 'ping')).status).toBe(404);
    expect((await demo.get(session)).status).toBe(404);
    expect((await demo.delete(session)).status).toBe(404);
    // Other sessions of the same principal are untouched.
    const next = await demo.initialize();
    expect((await demo.request(next, 1, 'ping')).status).toBe(200);
  });

  it('answers other HTTP methods with 405', async () => {
    for (const method of ['PUT', 'PATCH']) {
      const response = await fetch(demo.url, { method, headers: demo.headers(), body: '{}' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST, DELETE, OPTIONS');
    }
    expect((await fetch(demo.url, { method: 'HEAD', headers: demo.headers() })).status).toBe(405);
  });

  it('survives oversized and absurd input', async () => {
    const session = await demo.initialize();
    const huge = await demo.request(session, 1, 'tools/call', { name: 'Demo_echo', arguments: { text: 'x'.repeat(5 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect((await rpcError(huge)).code).toBe(-32000);

    const depth = 200_000;
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"Demo_echo","arguments":{"a":${'['.repeat(depth)}${']'.repeat(depth)}}}}`;
    const response = await demo.post(deep, { 'mcp-session-id': session });
    expect([200, 400]).toContain(response.status);
    expect((await response.text()).length).toBeLessThan(500);

    const longId = await demo.request(session, 'i'.repeat(10_000), 'ping');
    expect(longId.status).toBe(400);
    // Still serving.
    expect((await demo.request(session, 2, 'ping')).status).toBe(200);
  });

  it('logs no credentials and no session ids', async () => {
    const session = await demo.initialize();
    await demo.request(session, 1, 'tools/call', { name: 'Demo_crash' });
    const logs = edge.logs.join('\n');
    expect(logs).not.toContain(ALICE_TOKEN);
    expect(logs).not.toContain(session);
    expect(logs).not.toContain('hunter2');
  });
});
