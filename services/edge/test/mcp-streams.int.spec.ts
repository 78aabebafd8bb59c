import { InProcessBus } from '@persona-gateway/bus';
import { eventually } from '@persona-gateway/testing';
import { randomKey, startEdge, type EdgeApp } from './support/edge-app.js';
import { DEMO_TOOLS, personaView, StaticDirectory, TokenAuthenticator } from './support/personas.js';
import { RawClient, rpcError } from './support/raw-client.js';
import { SseReader, type SseMessage } from './support/sse.js';
import { startTestRouter, type TestRouter } from './support/test-router.js';

const KEEPALIVE_MS = 100;
const json = (message: SseMessage | undefined) => JSON.parse(message!.data) as Record<string, any>;
const streamOf = (id: string | undefined) => id!.slice(0, id!.lastIndexOf('.'));

describe('persona MCP endpoint: SSE streams, list changes and resumability', () => {
  let bus: InProcessBus;
  let directory: StaticDirectory;
  let router: TestRouter;
  let edge: EdgeApp;
  const readers: SseReader[] = [];
  const read = (response: Response) => {
    const reader = new SseReader(response);
    readers.push(reader);
    return reader;
  };
  /** A persona of its own, so that changing it disturbs no other test. */
  const persona = (slug: string) => {
    directory.set(personaView({ slug }));
    return new RawClient(edge.endpoint(slug));
  };

  beforeAll(async () => {
    bus = new InProcessBus();
    directory = new StaticDirectory();
    router = await startTestRouter(bus);
    edge = await startEdge({ bus, key: randomKey(), directory, authenticator: new TokenAuthenticator(), tuning: { keepAliveMs: KEEPALIVE_MS } });
  });

  afterAll(async () => {
    await Promise.all(readers.map((reader) => reader.cancel()));
    await edge.close();
    await router.close();
    await bus.close();
  });

  it('answers a request carrying a progressToken with SSE: priming event, progress, the response, end', async () => {
    const client = persona('progress');
    const session = await client.initialize();
    const response = await client.request(session, 5, 'tools/call', { name: 'Demo_progress', arguments: { steps: 2 }, _meta: { progressToken: 'tok-1' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = await read(response).rest();
    expect(events[0]).toEqual({ id: expect.stringMatching(/^[\w-]+\.0$/), data: '' });
    expect(events.slice(1).map(json)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok-1', progress: 1, total: 2, message: 'step 1' } },
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 'tok-1', progress: 2, total: 2, message: 'step 2' } },
      { jsonrpc: '2.0', id: 5, result: { content: [{ type: 'text', text: 'done after 2 steps' }] } },
    ]);
    expect(events.map((event) => event.id)).toEqual([0, 1, 2, 3].map((seq) => `${streamOf(events[0]!.id)}.${seq}`));
    expect(events.slice(1).every((event) => event.event === 'message')).toBe(true);
  });

  it('sends no priming event to a client older than 2025-11-25, and errors on the stream too', async () => {
    const client = persona('older');
    const session = await client.initialize('2025-03-26');
    const events = await read(await client.request(session, 6, 'tools/call', { name: 'Nope_tool', _meta: { progressToken: 1 } })).rest();
    expect(events).toHaveLength(1);
    expect(events[0]!.data).not.toBe('');
    expect(json(events[0])).toEqual({ jsonrpc: '2.0', id: 6, error: { code: -32602, message: 'Unknown tool: Nope_tool' } });
  });

  it('opens a GET stream that carries list_changed and keep-alives', async () => {
    const client = persona('listening');
    const session = await client.initialize();
    const response = await client.get(session);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const stream = read(response);
    expect(await stream.next()).toEqual({ id: expect.stringMatching(/\.0$/), data: '' });
    await stream.waitForComments(2, KEEPALIVE_MS * 20);

    directory.set(personaView({ slug: 'listening', tools: DEMO_TOOLS.slice(0, 1), revision: 2 }));
    expect(json(await stream.next())).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    directory.set(personaView({ slug: 'listening', tools: DEMO_TOOLS.slice(0, 1), resources: [], revision: 3 }));
    expect(json(await stream.next())).toEqual({ jsonrpc: '2.0', method: 'notifications/resources/list_changed' });
  });

  it('replays what a GET stream missed after Last-Event-ID, then goes on live', async () => {
    const client = persona('resume-get');
    const session = await client.initialize();
    const first = read(await client.get(session));
    const priming = (await first.next())!;
    await first.cancel();

    directory.set(personaView({ slug: 'resume-get', tools: [], revision: 2 }));
    const resumed = await client.get(session, { 'last-event-id': priming.id });
    expect(resumed.status).toBe(200);
    const stream = read(resumed);
    const missed = (await stream.next())!;
    expect(missed.id).toBe(`${streamOf(priming.id)}.1`);
    expect(json(missed)).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });

    directory.set(personaView({ slug: 'resume-get', tools: [], prompts: [], revision: 3 }));
    const live = (await stream.next())!;
    expect(live.id).toBe(`${streamOf(priming.id)}.2`);
    expect(json(live)).toEqual({ jsonrpc: '2.0', method: 'notifications/prompts/list_changed' });
  });

  it('resumes a POST stream the client lost, up to the response; then tells it to stop with 204', async () => {
    const client = persona('resume-post');
    const session = await client.initialize();
    const original = read(await client.request(session, 8, 'tools/call', { name: 'Demo_progress', arguments: { steps: 4, delayMs: 100 }, _meta: { progressToken: 8 } }));
    await original.next(); // priming
    const seen = (await original.next())!;
    expect(json(seen).params.progress).toBe(1);
    await original.cancel();

    const rest = await read(await client.get(session, { 'last-event-id': seen.id })).rest();
    expect(rest.map(json).map((message) => message.params?.progress ?? message.result)).toEqual([2, 3, 4, { content: [{ type: 'text', text: 'done after 4 steps' }] }]);
    expect(rest.every((event) => streamOf(event.id) === streamOf(seen.id))).toBe(true);

    // Finished and fully delivered: 204 is SSE's "do not reconnect".
    expect((await client.get(session, { 'last-event-id': rest.at(-1)!.id })).status).toBe(204);
    // From the middle again: the same events, then the end.
    expect(await read(await client.get(session, { 'last-event-id': seen.id })).rest()).toEqual(rest);
  });

  it('never replays another session\'s stream', async () => {
    const client = persona('private');
    const alice = await client.initialize();
    const events = await read(await client.request(alice, 1, 'tools/call', { name: 'Demo_progress', arguments: { steps: 1 }, _meta: { progressToken: 'p' } })).rest();
    const other = await client.initialize();
    const stream = read(await client.get(other, { 'last-event-id': events[0]!.id }));
    const first = (await stream.next())!;
    // A fresh stream of its own, primed at 0, and nothing of the other session's.
    expect(first).toEqual({ id: expect.stringMatching(/\.0$/), data: '' });
    expect(streamOf(first.id)).not.toBe(streamOf(events[0]!.id));
  });

  it('ends a cancelled streamed call without a response and tells the router which call', async () => {
    const client = persona('cancel');
    const session = await client.initialize();
    const stream = read(await client.request(session, 9, 'tools/call', { name: 'Demo_slow', _meta: { progressToken: 'slow-9' } }));
    await stream.next();
    const call = await eventually('the call to reach the router', () => router.calls.find((c) => c.progressToken === 'slow-9'));
    const cancelled = await client.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9, reason: 'no longer needed' } }, { 'mcp-session-id': session });
    expect(cancelled.status).toBe(202);
    expect(await stream.rest()).toEqual([]);
    expect(await eventually('SessionCancelV1', () => router.cancels.find((c) => c.callId === call.callId))).toEqual({ callId: call.callId, reason: 'no longer needed' });
  });

  it('refuses a second request with an id still in flight in the same session', async () => {
    const client = persona('dup');
    const session = await client.initialize();
    const first = read(await client.request(session, 'same', 'tools/call', { name: 'Demo_slow', _meta: { progressToken: 'dup' } }));
    await first.next();
    const second = await client.request(session, 'same', 'tools/call', { name: 'Demo_echo' });
    expect(await rpcError(second)).toEqual({ id: 'same', code: -32600, message: 'Invalid Request: a request with this id is already in progress' });
    await client.post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'same' } }, { 'mcp-session-id': session });
    await first.rest();
  });

  it('limits the GET streams one session holds open', async () => {
    const client = persona('many');
    const session = await client.initialize();
    for (let i = 0; i < 4; i++) await read(await client.get(session)).next();
    const refused = await client.get(session);
    expect(refused.status).toBe(409);
    expect((await rpcError(refused)).message).toBe('Conflict: too many open streams for this session');
  });

  it('closes a session\'s streams on DELETE, and a vanished persona\'s streams', async () => {
    const client = persona('closing');
    const session = await client.initialize();
    const stream = read(await client.get(session));
    await stream.next();
    expect((await client.delete(session)).status).toBe(200);
    expect(await stream.rest()).toEqual([]);

    const next = await client.initialize();
    const other = read(await client.get(next));
    await other.next();
    directory.remove('closing');
    expect(await other.rest()).toEqual([]);
    const gone = await client.request(next, 1, 'ping');
    expect(gone.status).toBe(401);
    expect((await rpcError(gone)).message).toBe('Invalid or expired token');
  });
});
