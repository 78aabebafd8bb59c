import { randomUUID } from 'node:crypto';
import { CallNotifiedV1, ClientRequestedV1, ClientRespondedV1, ProgressNotifiedV1, SessionCancelV1, type PayloadOf } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';
import { startRawServer, type RawServer } from './support/raw-server.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';

const unavailable = (gateway: string) => ({ code: 'UNAVAILABLE', message: `Downstream gateway endpoint not available: ${gateway}` });
const failureOf = (call: Promise<unknown>) => call.then(() => undefined, (error: unknown) => error);
/** The JSON-RPC id of the last tools/call the server received (ids are per session: the same in every test). */
const lastCallId = (server: { posted(method: string): Array<{ body?: Record<string, unknown> }> }) => server.posted('tools/call').at(-1)?.body?.id;

describe('tools/call POSTed directly to a Streamable HTTP downstream', () => {
  describe('a hand-written server that does what SDK servers never do', () => {
    let raw: RawServer;
    let harness: Harness;
    beforeAll(async () => {
      raw = await startRawServer();
    });
    afterAll(async () => {
      await raw?.close();
    });
    beforeEach(async () => {
      harness = await startHarness();
    });
    afterEach(async () => {
      await harness.close();
    });

    it('passes a JSON result on as sent, on the SDK session, with the gateway headers and an id of its own', async () => {
      const connection = http(raw.url, harness.seal('Raw', { 'X-Api-Key': 'raw-key-1' }));
      const result = await harness.call(key('Raw'), connection, 'plain-json', { a: 1 });
      expect(result).toEqual({ content: [{ type: 'text', text: 'plain' }], _meta: { kept: true }, extra: 'passed through' });
      const initialize = raw.posted('initialize').at(-1)!;
      const call = raw.posted('tools/call').at(-1)!;
      expect(call.headers).toMatchObject({
        'x-api-key': 'raw-key-1',
        'mcp-session-id': 'raw-session',
        'mcp-protocol-version': (initialize.body!.params as { protocolVersion: string }).protocolVersion,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      });
      // A string can never collide with the SDK client's numeric ids on the same session.
      expect(call.body).toEqual({ jsonrpc: '2.0', id: expect.stringMatching(/^pgw-\d+$/), method: 'tools/call', params: { name: 'plain-json', arguments: { a: 1 } } });
    });

    it('gives a result without content the empty content the SDK gave it', async () => {
      await expect(harness.call(key('Raw'), http(raw.url), 'no-content')).resolves.toEqual({ content: [], structuredContent: { n: 1 } });
    });

    it("reports a JSON-RPC error as DOWNSTREAM_ERROR with the server's message, and keeps the session", async () => {
      expect(await failureOf(harness.call(key('Raw'), http(raw.url), 'rpc-error'))).toMatchObject({ code: 'DOWNSTREAM_ERROR', message: 'No such widget' });
      await harness.call(key('Raw'), http(raw.url), 'plain-json');
      expect(harness.service.list().openedTotal).toBe(1);
    });

    it('refuses a malformed result as DOWNSTREAM_ERROR, and keeps the session', async () => {
      expect(await failureOf(harness.call(key('Raw'), http(raw.url), 'malformed'))).toMatchObject({ code: 'DOWNSTREAM_ERROR', message: 'Downstream gateway sent a malformed result: Raw' });
      await harness.call(key('Raw'), http(raw.url), 'plain-json');
      expect(harness.service.list().openedTotal).toBe(1);
    });

    it('drops the session after an HTTP error, a 202 or an event stream that ends unanswered', async () => {
      for (const tool of ['broken', 'accepted', 'unanswered']) {
        expect(await failureOf(harness.call(key('Raw'), http(raw.url), tool))).toMatchObject(unavailable('Raw'));
        expect(harness.service.list().sessions).toEqual([]);
      }
      expect(harness.service.list().openedTotal).toBe(3);
      expect(harness.logs.join('\n')).toContain('session dropped (HTTP 500: Streamable HTTP error: Error POSTing to endpoint: boom)');
    });

    it('reads an event stream cut at awkward places, and reports progress sent under its own token', async () => {
      const seen: PayloadOf<typeof ProgressNotifiedV1>[] = [];
      await harness.bus.subscribe(ProgressNotifiedV1, (event) => void seen.push(event));
      const result = await harness.call(key('Raw'), http(raw.url), 'chunked', {}, { progressToken: 'caller-7', notify: { edgeInstance: 'e', stream: 's' } });
      expect(text(result)).toBe('streamed in pieces');
      const sent = raw.posted('tools/call').at(-1)!.body!;
      expect(sent.params).toMatchObject({ _meta: { progressToken: sent.id } }); // never the caller's token
      await eventually('the progress event', () => seen.length === 1);
      expect(seen).toEqual([{ edgeInstance: 'e', stream: 's', progressToken: 'caller-7', progress: 1, total: 2 }]);
    });

    it('times out a silent downstream: TIMEOUT, notifications/cancelled for the request, the HTTP request ended, the session kept', async () => {
      const cancelled = raw.posted('notifications/cancelled').length;
      const abandoned = raw.abandoned.length;
      const started = Date.now();
      expect(await failureOf(harness.call(key('Raw'), http(raw.url), 'silent', {}, { timeoutMs: 300 }))).toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2_000);
      const id = lastCallId(raw);
      const notice = await eventually('notifications/cancelled downstream', () => raw.posted('notifications/cancelled')[cancelled]);
      expect(notice.body!.params).toMatchObject({ requestId: id });
      await eventually('the HTTP request to end', () => raw.abandoned.length > abandoned);
      expect(raw.abandoned.slice(abandoned)).toEqual([id]);
      await harness.call(key('Raw'), http(raw.url), 'plain-json');
      expect(harness.service.list().openedTotal).toBe(1);
    });

    it('times out after DOWNSTREAM_CALL_TIMEOUT_MS of silence', async () => {
      const short = await startHarness({ callTimeoutMs: 300 });
      try {
        expect(await failureOf(short.call(key('Raw'), http(raw.url), 'silent'))).toMatchObject({ code: 'TIMEOUT' });
      } finally {
        await short.close();
      }
    });

    it("cancels: the downstream gets notifications/cancelled with the caller's reason, and the HTTP request ends", async () => {
      const callId = randomUUID();
      const calls = raw.posted('tools/call').length;
      const cancelled = raw.posted('notifications/cancelled').length;
      const abandoned = raw.abandoned.length;
      const call = failureOf(harness.call(key('Raw'), http(raw.url), 'silent', {}, { callId }));
      await eventually('the call to reach the server', () => raw.posted('tools/call').length > calls);
      await harness.bus.publish(SessionCancelV1, { callId, reason: 'user pressed stop' });
      expect(await call).toMatchObject({ code: 'CANCELLED' });
      const id = lastCallId(raw);
      const notice = await eventually('notifications/cancelled downstream', () => raw.posted('notifications/cancelled')[cancelled]);
      expect(notice.body!.params).toEqual({ requestId: id, reason: 'user pressed stop' });
      await eventually('the HTTP request to end', () => raw.abandoned.length > abandoned);
      expect(raw.abandoned.slice(abandoned)).toEqual([id]);
    });

    it('follows a redirect within the origin, credentials and all, and no other', async () => {
      const elsewhere = await startRawServer();
      try {
        const connection = http(raw.url, harness.seal('Raw', { 'X-Api-Key': 'raw-key-2' }));
        expect(text(await harness.call(key('Raw'), connection, 'moved'))).toBe('answered at /mcp/moved');
        expect(raw.requests.at(-1)).toMatchObject({ path: '/mcp/moved', headers: { 'x-api-key': 'raw-key-2' } });
        expect(await failureOf(harness.call(key('Raw'), connection, 'away', { to: elsewhere.url }))).toMatchObject(unavailable('Raw'));
        expect(elsewhere.requests).toEqual([]);
      } finally {
        await elsewhere.close();
      }
    });

    it("closes the session's connections with the session", async () => {
      const sockets = raw.toolSockets.size;
      await harness.call(key('Raw', 'closer'), http(raw.url), 'plain-json');
      expect(raw.toolSockets.size).toBeGreaterThan(sockets);
      const used = [...raw.toolSockets].slice(sockets);
      await harness.close();
      // Well within undici's own keep-alive timeout (4 s): they were closed, not left to expire.
      await eventually('the kept-alive connections to close', () => used.every((socket) => socket.destroyed), 1_500);
      harness = await startHarness();
    });
  });

  it('takes plain JSON answers from a server built with the SDK (enableJsonResponse)', async () => {
    const server = await startRecordingServer({ json: true });
    const harness = await startHarness();
    try {
      expect(text(await harness.call(key('Json'), http(server.url), 'whoami'))).toBe('hello from the recording server');
      expect(server.posted('tools/call').at(-1)!.headers['mcp-session-id']).toBe(harness.service.list().sessions[0]!.downstreamSessionId);
    } finally {
      await harness.close();
      await server.close();
    }
  });

  describe('traffic on a call’s own event stream, with a newer call running on the same session', () => {
    let server: RecordingServer;
    let harness: Harness;
    const streamA = { edgeInstance: 'edge-1', stream: 'stream-A' };
    const streamB = { edgeInstance: 'edge-1', stream: 'stream-B' };
    const canElicit = { elicitation: {} };
    beforeAll(async () => {
      server = await startRecordingServer({ logging: true });
      harness = await startHarness();
    });
    afterAll(async () => {
      await harness?.close();
      await server?.close();
    });

    it('puts a server request to the caller of the call it came with, not the newest', async () => {
      const asked: PayloadOf<typeof ClientRequestedV1>[] = [];
      await harness.bus.subscribe(ClientRequestedV1, (request) => {
        asked.push(request);
        void harness.bus.publish(ClientRespondedV1, { sessionInstance: request.sessionInstance, requestKey: request.requestKey, result: { action: 'accept', content: { name: 'Ada' } } });
      });
      const older = harness.call(key('Recorder'), http(server.url), 'ask-later', { ms: 300 }, { notify: streamA, clientCapabilities: canElicit });
      await eventually('the first call to reach the server', () => server.posted('tools/call').length === 1);
      const newer = harness.call(key('Recorder'), http(server.url), 'wait', { ms: 1_000 }, { notify: streamB, clientCapabilities: canElicit });
      expect(text(await older)).toBe('answered: Ada');
      expect(asked).toEqual([expect.objectContaining({ ...streamA, method: 'elicitation/create' })]);
      await newer;
    });

    it('sends a log message to the stream of the call it came with, not the newest', async () => {
      const notices: PayloadOf<typeof CallNotifiedV1>[] = [];
      await harness.bus.subscribe(CallNotifiedV1, (notice) => void notices.push(notice));
      const before = server.posted('tools/call').length;
      const older = harness.call(key('Recorder'), http(server.url), 'log-later', { ms: 300, text: 'from the older call' }, { notify: streamA });
      await eventually('the first call to reach the server', () => server.posted('tools/call').length === before + 1);
      const newer = harness.call(key('Recorder'), http(server.url), 'wait', { ms: 1_000 }, { notify: streamB });
      await older;
      await eventually('the log message', () => notices.length === 1);
      expect(notices).toEqual([{ ...streamA, method: 'notifications/message', params: expect.objectContaining({ level: 'info', data: 'from the older call' }) }]);
      await newer;
    });
  });

  describe('progress and the idle timeout (server-everything)', () => {
    let everything: RunningServer;
    let harness: Harness;
    let longRunning: string;
    beforeAll(async () => {
      everything = await startEverything('streamableHttp');
      harness = await startHarness({ callTimeoutMs: 500 });
      // Named longRunningOperation in older releases of server-everything.
      longRunning = (await harness.service.discover({ gateway: 'Everything', connection: http(everything.url) })).tools.map((tool) => tool.name).find((name) => /long.?running/i.test(name))!;
    });
    afterAll(async () => {
      await harness?.close();
      await everything?.stop();
    });

    it('restarts the idle timeout on each progress notification', async () => {
      const args = { duration: 1.5, steps: 6 }; // progress every 250 ms, 1.5 s in all
      const result = await harness.call(key('Everything'), http(everything.url), longRunning, args, { progressToken: 1, notify: { edgeInstance: 'e', stream: 's' } });
      expect(text(result)).toContain('completed');
      expect(await failureOf(harness.call(key('Everything'), http(everything.url), longRunning, args))).toMatchObject({ code: 'TIMEOUT' });
    });
  });
});
