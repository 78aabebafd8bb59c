import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { InProcessBus, type Subscription } from '@persona-gateway/bus';
import { CallNotifiedV1, ClientRequestedV1, ClientRespondedV1, ResourceUpdatedV1, RouterCallV1, RouterRequestV1, type PayloadOf, type RequestOf } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { randomKey, startEdge, type EdgeApp } from './support/edge-app.js';
import { ALICE_TOKEN, personaView, StaticDirectory, TokenAuthenticator } from './support/personas.js';

const SESSION_INSTANCE = 'session-replica-1';

/**
 * Stands in for router and session service: `Demo_ask` logs at two levels on the call's
 * stream, then puts one server request to the caller through ClientRequestedV1 and returns
 * the caller's answer (from ClientRespondedV1) as its result, as the session service does.
 */
async function startStandIn(bus: InProcessBus) {
  const calls: RequestOf<typeof RouterCallV1>[] = [];
  const forwarded: RequestOf<typeof RouterRequestV1>[] = [];
  const waiting = new Map<string, (answer: PayloadOf<typeof ClientRespondedV1>) => void>();
  const subscriptions: Subscription[] = await Promise.all([
    bus.subscribe(ClientRespondedV1, (answer) => {
      if (answer.sessionInstance === SESSION_INSTANCE) waiting.get(answer.requestKey)?.(answer);
    }),
    bus.handle(
      RouterCallV1,
      async (call) => {
        calls.push(call);
        if (!call.notify) return { content: [{ type: 'text', text: 'no stream' }] };
        for (const level of ['debug', 'error'] as const) {
          await bus.publish(CallNotifiedV1, { ...call.notify, method: 'notifications/message', params: { level, logger: 'demo', data: `a ${level} message` } });
        }
        const requestKey = randomBytes(18).toString('base64url');
        const answered = new Promise<PayloadOf<typeof ClientRespondedV1>>((resolve) => waiting.set(requestKey, resolve));
        const { method, params } = call.arguments as { method: 'sampling/createMessage' | 'elicitation/create'; params: Record<string, unknown> };
        await bus.publish(ClientRequestedV1, { ...call.notify, sessionInstance: SESSION_INSTANCE, requestKey, method, params });
        const answer = await answered;
        return { content: [{ type: 'text', text: JSON.stringify(answer.result ?? answer.error) }] };
      },
      { queue: 'router' },
    ),
    bus.handle(
      RouterRequestV1,
      async (request) => {
        forwarded.push(request);
        return {};
      },
      { queue: 'router' },
    ),
  ]);
  return { calls, forwarded, close: () => Promise.all(subscriptions.map((subscription) => subscription.unsubscribe())) };
}

describe('persona MCP endpoint: server requests, log messages and resource subscriptions, with the MCP SDK client', () => {
  let bus: InProcessBus;
  let standIn: Awaited<ReturnType<typeof startStandIn>>;
  let edge: EdgeApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    bus = new InProcessBus();
    standIn = await startStandIn(bus);
    edge = await startEdge({ bus, key: randomKey(), directory: new StaticDirectory([personaView({ slug: 'demo', name: 'Demo Persona' })]), authenticator: new TokenAuthenticator() });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await edge.close();
    await standIn.close();
    await bus.close();
  });

  async function connect(capabilities: ConstructorParameters<typeof Client>[1]): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(new URL(edge.endpoint('demo')), { requestInit: { headers: { authorization: `Bearer ${ALICE_TOKEN}` } } });
    const client = new Client({ name: 'sdk-test', version: '1.0.0' }, capabilities);
    await client.connect(transport);
    clients.push(client);
    return client;
  }

  it('offers logging and resource subscriptions', async () => {
    const client = await connect({ capabilities: {} });
    expect(client.getServerCapabilities()).toMatchObject({ logging: {}, resources: { subscribe: true, listChanged: true } });
  });

  it("answers the downstream's elicitation with the client's own handler, and passes log messages at the level the client set", async () => {
    const client = await connect({ capabilities: { elicitation: { form: {} } } });
    const elicited: unknown[] = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicited.push(request.params);
      return { action: 'accept', content: { name: 'Ada' } };
    });
    const logged: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logged.push(notification.params));
    await expect(client.setLoggingLevel('warning')).resolves.toEqual({});

    const params = { message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } };
    const result = await client.callTool({ name: 'Demo_ask', arguments: { method: 'elicitation/create', params } });
    expect(elicited).toEqual([params]);
    expect(result.content).toEqual([{ type: 'text', text: JSON.stringify({ action: 'accept', content: { name: 'Ada' } }) }]);
    expect(logged).toEqual([{ level: 'error', logger: 'demo', data: 'a error message' }]);
    expect(standIn.calls.at(-1)?.clientCapabilities).toEqual({ elicitation: { form: {} } });
  });

  it("answers a sampling request, and the client's error goes back as an error", async () => {
    const client = await connect({ capabilities: { sampling: {} } });
    let reject = false;
    client.setRequestHandler(CreateMessageRequestSchema, async () => {
      if (reject) throw Object.assign(new Error('User rejected sampling request'), { code: -1 });
      return { model: 'test-model', role: 'assistant', content: { type: 'text', text: 'Forty-two.' } };
    });
    const params = { messages: [{ role: 'user', content: { type: 'text', text: 'The answer?' } }], maxTokens: 10 };
    const accepted = await client.callTool({ name: 'Demo_ask', arguments: { method: 'sampling/createMessage', params } });
    expect(JSON.parse((accepted.content as Array<{ text: string }>)[0]!.text)).toEqual({ model: 'test-model', role: 'assistant', content: { type: 'text', text: 'Forty-two.' } });
    reject = true;
    const rejected = await client.callTool({ name: 'Demo_ask', arguments: { method: 'sampling/createMessage', params } });
    expect(JSON.parse((rejected.content as Array<{ text: string }>)[0]!.text)).toEqual({ code: -1, message: 'User rejected sampling request' });
  });

  it('answers a client that takes no server requests and set no level with plain JSON, without a stream', async () => {
    const client = await connect({ capabilities: {} });
    const result = await client.callTool({ name: 'Demo_ask', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'no stream' }]);
    expect(standIn.calls.at(-1)?.notify).toBeUndefined();
  });

  it('refuses an unknown log level', async () => {
    const client = await connect({ capabilities: {} });
    await expect(client.request({ method: 'logging/setLevel', params: { level: 'loud' } } as never, LoggingMessageNotificationSchema as never)).rejects.toThrow(/level must be one of/);
  });

  it('forwards resources/subscribe and unsubscribe, and tells the subscribed session when the resource changes', async () => {
    const subscriber = await connect({ capabilities: {} });
    const other = await connect({ capabilities: {} });
    const updates: string[] = [];
    const otherUpdates: string[] = [];
    subscriber.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void updates.push(notification.params.uri));
    other.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => void otherUpdates.push(notification.params.uri));
    await expect(subscriber.subscribeResource({ uri: 'demo://readme' })).resolves.toEqual({});
    expect(standIn.forwarded.at(-1)).toMatchObject({ persona: 'demo', method: 'resources/subscribe', params: { uri: 'demo://readme' }, principal: { id: 'user:alice' } });

    // The SDK opens its GET stream in the background: publish until it has somewhere to go.
    await eventually('the update reaches the subscribed session', async () => {
      await bus.publish(ResourceUpdatedV1, { persona: 'demo', gateway: 'Demo', principal: 'user:alice', uri: 'demo://readme' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return updates.length > 0;
    });
    expect(new Set(updates)).toEqual(new Set(['demo://readme']));
    expect(otherUpdates).toEqual([]);

    await expect(subscriber.unsubscribeResource({ uri: 'demo://readme' })).resolves.toEqual({});
    expect(standIn.forwarded.at(-1)).toMatchObject({ method: 'resources/unsubscribe', params: { uri: 'demo://readme' } });
    const before = updates.length;
    await bus.publish(ResourceUpdatedV1, { persona: 'demo', gateway: 'Demo', principal: 'user:alice', uri: 'demo://readme' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updates.length).toBe(before);
  });
});
