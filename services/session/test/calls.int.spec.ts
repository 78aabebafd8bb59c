import { randomUUID } from 'node:crypto';
import { ProgressNotifiedV1, SessionCallV1, SessionCancelV1, SessionDiscoverV1, SessionRequestV1, type Catalog, type PayloadOf } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';

describe('calls through a session (server-everything over Streamable HTTP)', () => {
  let everything: RunningServer;
  let harness: Harness;
  let catalog: Catalog;
  let longRunning: string;

  beforeAll(async () => {
    everything = await startEverything('streamableHttp');
    harness = await startHarness();
    catalog = await harness.bus.request(SessionDiscoverV1, { gateway: 'Everything', connection: http(everything.url) });
    // Named longRunningOperation in older releases of server-everything.
    longRunning = catalog.tools.map((tool) => tool.name).find((name) => /long.?running/i.test(name))!;
    expect(longRunning).toBeDefined();
  });
  afterAll(async () => {
    await harness?.close();
    await everything?.stop();
  });

  function progressEvents(): PayloadOf<typeof ProgressNotifiedV1>[] {
    const seen: PayloadOf<typeof ProgressNotifiedV1>[] = [];
    void harness.bus.subscribe(ProgressNotifiedV1, (event) => void seen.push(event));
    return seen;
  }

  it('forwards downstream progress to the edge replica holding the caller stream, under the caller token', async () => {
    const seen = progressEvents();
    const result = await harness.call(key('Everything'), http(everything.url), longRunning, { duration: 0.6, steps: 3 }, {
      progressToken: 'caller-token-1',
      notify: { edgeInstance: 'edge-a', stream: 'stream-9' },
    });
    expect(text(result)).toContain('completed');
    await eventually('three progress events', () => seen.length >= 3, 5_000);
    expect(seen).toEqual([1, 2, 3].map((progress) => ({ edgeInstance: 'edge-a', stream: 'stream-9', progressToken: 'caller-token-1', progress, total: 3 })));
  });

  it('sends no progress when the caller asked for none', async () => {
    const seen = progressEvents();
    await harness.call(key('Everything'), http(everything.url), longRunning, { duration: 0.3, steps: 3 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([]);
  });

  it('aborts a call promptly when the caller cancels it, and keeps the session', async () => {
    const seen = progressEvents();
    const callId = randomUUID();
    const call = harness.bus.request(
      SessionCallV1,
      { key: key('Everything'), connection: http(everything.url), tool: longRunning, arguments: { duration: 20, steps: 20 }, callId, progressToken: 7, notify: { edgeInstance: 'e', stream: 's' } },
      { timeoutMs: 30_000 },
    );
    const settled = call.catch((error: unknown) => error);
    await eventually('the call to report progress', () => seen.length >= 1, 5_000);
    const cancelledAt = Date.now();
    await harness.bus.publish(SessionCancelV1, { callId, reason: 'user pressed stop' });
    expect(await settled).toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - cancelledAt).toBeLessThan(2_000); // the tool would have run 19 more seconds
    const after = await harness.call(key('Everything'), http(everything.url), 'echo', { message: 'next' });
    expect(text(after)).toBe('Echo: next');
    expect(harness.service.list().openedTotal).toBe(1);
  });

  it('returns a tool result with isError as a result', async () => {
    const result = await harness.call(key('Everything'), http(everything.url), 'get-sum', { a: 'not a number', b: 2 });
    expect(result.isError).toBe(true);
  });

  it('passes resources/read and prompts/get through', async () => {
    const resource = catalog.resources[0]!;
    const read = await harness.bus.request(SessionRequestV1, { key: key('Everything'), connection: http(everything.url), method: 'resources/read', params: { uri: resource.uri } });
    expect(read).toMatchObject({ contents: [{ uri: resource.uri }] });
    const prompt = catalog.prompts.find((p) => !p.arguments || (p.arguments as unknown[]).length === 0)!;
    const got = await harness.bus.request(SessionRequestV1, { key: key('Everything'), connection: http(everything.url), method: 'prompts/get', params: { name: prompt.name } });
    expect(got).toMatchObject({ messages: expect.arrayContaining([expect.objectContaining({ role: expect.any(String) })]) });
  });

  it('reports a JSON-RPC error from the downstream as DOWNSTREAM_ERROR with its message', async () => {
    const failure = await harness.bus
      .request(SessionRequestV1, { key: key('Everything'), connection: http(everything.url), method: 'prompts/get', params: { name: 'no-such-prompt' } })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'DOWNSTREAM_ERROR', message: expect.stringContaining('no-such-prompt') });
    expect((failure as Error).message).not.toMatch(/^MCP error/);
    // A downstream's "no" is an answer, not a broken session.
    expect(harness.service.list().openedTotal).toBe(1);
  });
});
