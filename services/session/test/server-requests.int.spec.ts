import { ClientRequestedV1, ClientRespondedV1, SessionDiscoverV1, type PayloadOf } from '@persona-gateway/contracts';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, type Harness } from './support/harness.js';

/** All the text blocks of a tools/call result. */
const allText = (result: { content?: Array<Record<string, unknown>> }) => (result.content ?? []).map((block) => String(block.text ?? '')).join('\n');

describe("server-to-client requests during a call (server-everything's trigger tools over Streamable HTTP)", () => {
  let everything: RunningServer;
  let harness: Harness;
  const notify = { edgeInstance: 'edge-1', stream: 'stream-1' };
  const asked: PayloadOf<typeof ClientRequestedV1>[] = [];
  /** Stands in for the edge: answers each forwarded request as the caller's client would. */
  let answer: (request: PayloadOf<typeof ClientRequestedV1>) => Omit<PayloadOf<typeof ClientRespondedV1>, 'sessionInstance' | 'requestKey'> | undefined;

  beforeAll(async () => {
    everything = await startEverything('streamableHttp');
    harness = await startHarness({ callTimeoutMs: 3_000 });
    await harness.bus.subscribe(ClientRequestedV1, (request) => {
      asked.push(request);
      const reply = answer(request);
      if (reply) void harness.bus.publish(ClientRespondedV1, { sessionInstance: request.sessionInstance, requestKey: request.requestKey, ...reply });
    });
  });
  afterAll(async () => {
    await harness?.close();
    await everything?.stop();
  });
  beforeEach(() => void asked.splice(0));

  it('discovers the tools a server offers only to clients that can sample or elicit', async () => {
    const catalog = await harness.bus.request(SessionDiscoverV1, { gateway: 'Everything', connection: http(everything.url) });
    expect(catalog.tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['trigger-sampling-request', 'trigger-elicitation-request']));
  });

  it("puts the downstream's elicitation to the caller's stream and hands its answer back", async () => {
    answer = () => ({ result: { action: 'accept', content: { name: 'Ada Lovelace', check: true } } });
    const result = await harness.call(key('Everything'), http(everything.url), 'trigger-elicitation-request', {}, { notify, clientCapabilities: { elicitation: {} } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ ...notify, method: 'elicitation/create', params: { message: expect.any(String), requestedSchema: expect.objectContaining({ type: 'object' }) } });
    expect(asked[0]!.requestKey.length).toBeGreaterThanOrEqual(16);
    expect(allText(result)).toContain('Name: Ada Lovelace');
  });

  it("puts the downstream's sampling request to the caller and returns what its model said", async () => {
    answer = () => ({ result: { model: 'caller-model', role: 'assistant', content: { type: 'text', text: 'Forty-two.' } } });
    const result = await harness.call(key('Everything'), http(everything.url), 'trigger-sampling-request', { prompt: 'The answer?' }, { notify, clientCapabilities: { sampling: {} } });
    expect(asked.map((request) => request.method)).toEqual(['sampling/createMessage']);
    expect(allText(result)).toContain('Forty-two.');
  });

  it("passes the caller's JSON-RPC error to the downstream", async () => {
    answer = () => ({ error: { code: -1, message: 'User rejected sampling request' } });
    const outcome = await harness.call(key('Everything'), http(everything.url), 'trigger-sampling-request', { prompt: 'x' }, { notify, clientCapabilities: { sampling: {} } }).then(allText, (error: Error) => error.message);
    expect(outcome).toContain('User rejected sampling request');
  });

  it('refuses, without asking anyone, when the caller cannot take the request or has no stream', async () => {
    answer = () => ({ result: { action: 'accept', content: { name: 'nobody' } } });
    const withoutCapability = await harness.call(key('Everything'), http(everything.url), 'trigger-elicitation-request', {}, { notify, clientCapabilities: { sampling: {} } }).then(allText, (error: Error) => error.message);
    const withoutStream = await harness.call(key('Everything'), http(everything.url), 'trigger-elicitation-request', {}, { clientCapabilities: { elicitation: {} } }).then(allText, (error: Error) => error.message);
    expect(asked).toEqual([]);
    for (const outcome of [withoutCapability, withoutStream]) expect(outcome).toMatch(/cannot take elicitation\/create/);
  });

  it('gives up on a caller that never answers, and the session serves the next call', async () => {
    answer = () => undefined;
    const outcome = await harness.call(key('Everything'), http(everything.url), 'trigger-elicitation-request', {}, { notify, clientCapabilities: { elicitation: {} } }).then(allText, (error: Error) => error.message);
    expect(outcome).toMatch(/did not answer in time|timed out/i);
    answer = () => ({ result: { action: 'decline' } });
    const next = await harness.call(key('Everything'), http(everything.url), 'trigger-elicitation-request', {}, { notify, clientCapabilities: { elicitation: {} } });
    expect(allText(next)).toContain('declined');
  }, 20_000);
});
