import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PromptListChangedNotificationSchema, ResourceListChangedNotificationSchema, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { InProcessBus } from '@persona-gateway/bus';
import { eventually } from '@persona-gateway/testing';
import { randomKey, startEdge, type EdgeApp } from './support/edge-app.js';
import { ALICE_TOKEN, DEMO_TOOLS, personaView, StaticDirectory, TokenAuthenticator } from './support/personas.js';
import { startTestRouter, type TestRouter } from './support/test-router.js';

/** Resolves the first time the SDK's GET stream has been answered: from then on list_changed has somewhere to go. */
function watchingFetch() {
  let opened!: () => void;
  const getOpened = new Promise<void>((resolve) => (opened = resolve));
  const versions: string[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    const version = new Headers(init?.headers).get('mcp-protocol-version');
    if (version) versions.push(version);
    const response = await fetch(input, init);
    if (init?.method === 'GET' && response.ok) opened();
    return response;
  };
  return { fetchFn, getOpened, versions };
}

/** Makes the SDK client offer an older revision in initialize, as a 2025-03-26 client would. */
const offering = (version: string, inner: typeof fetch): typeof fetch => async (input, init) => {
  if (init?.method === 'POST' && typeof init.body === 'string') {
    const message = JSON.parse(init.body) as { method?: string; params?: { protocolVersion?: string } };
    if (message.method === 'initialize') return inner(input, { ...init, body: JSON.stringify({ ...message, params: { ...message.params, protocolVersion: version } }) });
  }
  return inner(input, init);
};

describe('persona MCP endpoint, driven by the MCP SDK client', () => {
  let bus: InProcessBus;
  let directory: StaticDirectory;
  let router: TestRouter;
  let edge: EdgeApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    bus = new InProcessBus();
    directory = new StaticDirectory([personaView({ slug: 'demo', name: 'Demo Persona', description: 'Tools for the demo team.' })]);
    router = await startTestRouter(bus);
    edge = await startEdge({ bus, key: randomKey(), directory, authenticator: new TokenAuthenticator() });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await edge.close();
    await router.close();
    await bus.close();
  });

  async function connect(options: { fetch?: typeof fetch } = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(edge.endpoint('demo')), {
      requestInit: { headers: { authorization: `Bearer ${ALICE_TOKEN}` } },
      fetch: options.fetch,
    });
    const client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  it('initialises as the persona and lists exactly its tools, resources and prompts', async () => {
    const { client, transport } = await connect();
    expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
    expect(transport.protocolVersion).toBe('2025-11-25');
    expect(client.getServerVersion()).toEqual({ name: 'persona-gateway/demo', title: 'Demo Persona', version: '0.1.0' });
    expect(client.getServerCapabilities()).toMatchObject({ tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true } });
    expect(client.getInstructions()).toBe('Tools for the demo team.');

    expect((await client.listTools()).tools).toEqual(DEMO_TOOLS);
    expect((await client.listResources()).resources).toEqual([{ uri: 'demo://readme', name: 'Demo_readme', mimeType: 'text/plain' }]);
    expect((await client.listResourceTemplates()).resourceTemplates).toEqual([{ uriTemplate: 'demo://notes/{id}', name: 'Demo_note' }]);
    expect((await client.listPrompts()).prompts).toEqual([{ name: 'Demo_greet', description: 'Says hello' }]);
    await expect(client.ping()).resolves.toEqual({});
  });

  it('calls a tool through the router with the caller as principal', async () => {
    const { client } = await connect();
    const result = await client.callTool({ name: 'Demo_echo', arguments: { text: 'hello' } });
    expect(result).toEqual({ content: [{ type: 'text', text: '{"text":"hello"}' }], structuredContent: { echoed: { text: 'hello' } } });
    const call = router.calls.at(-1)!;
    expect(call).toMatchObject({ persona: 'demo', name: 'Demo_echo', arguments: { text: 'hello' }, principal: { id: 'user:alice', kind: 'user' } });
    expect(call.callId).toMatch(/^[0-9a-f-]{36}$/);
    expect(call.progressToken).toBeUndefined();
  });

  it('forwards resources/read, prompts/get and completion/complete to the router', async () => {
    const { client } = await connect();
    expect(await client.readResource({ uri: 'demo://readme' })).toEqual({ contents: [{ uri: 'demo://readme', mimeType: 'text/plain', text: 'contents of demo://readme' }] });
    expect((await client.getPrompt({ name: 'Demo_greet' })).messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Hello from Demo_greet' } }]);
    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'Demo_greet' }, argument: { name: 'who', value: 'a' } });
    expect(completion.completion.values).toEqual(['alpha', 'beta']);
  });

  it('streams progress notifications to the caller, then the result', async () => {
    const { client } = await connect();
    const progress: unknown[] = [];
    const result = await client.callTool({ name: 'Demo_progress', arguments: { steps: 3 } }, undefined, { onprogress: (update) => void progress.push(update) });
    expect(result.content).toEqual([{ type: 'text', text: 'done after 3 steps' }]);
    expect(progress).toEqual([1, 2, 3].map((step) => ({ progress: step, total: 3, message: `step ${step}` })));
    const call = router.calls.at(-1)!;
    expect(call.notify).toEqual({ edgeInstance: edge.instanceId, stream: expect.stringMatching(/^[\w-]{8,}$/) });
    expect(call.progressToken).toBeDefined();
  });

  it.each([
    ['a plain JSON request', false],
    ['a streamed request', true],
  ])('cancels %s: the router hears SessionCancelV1 for the call', async (_, streamed) => {
    const { client } = await connect();
    const controller = new AbortController();
    const pending = client.callTool({ name: 'Demo_slow' }, undefined, { signal: controller.signal, ...(streamed ? { onprogress: () => undefined } : {}) });
    const call = await eventually('the call to reach the router', () => router.calls.find((c) => c.name === 'Demo_slow' && !router.cancels.some((x) => x.callId === c.callId)));
    controller.abort('the user gave up');
    await expect(pending).rejects.toThrow();
    const cancel = await eventually('SessionCancelV1', () => router.cancels.find((c) => c.callId === call.callId));
    expect(cancel.reason).toBe('the user gave up');
    // The session goes on.
    await expect(client.ping()).resolves.toEqual({});
  });

  it('answers gateway errors with the message a user can act on, and hides the rest', async () => {
    const { client } = await connect();
    await expect(client.callTool({ name: 'Jira_deleteEverything' })).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('Unknown tool: Jira_deleteEverything') });
    await expect(client.callTool({ name: 'Demo_down' })).rejects.toMatchObject({ code: -32603, message: expect.stringContaining('Downstream gateway endpoint not available: Demo') });
    const crash = await client.callTool({ name: 'Demo_crash' }).catch((error: Error) => error);
    expect(crash).toMatchObject({ code: -32603, message: 'MCP error -32603: Internal error' });
    expect(JSON.stringify(crash)).not.toContain('hunter2');
  });

  it('tells an open GET stream which lists changed', async () => {
    const { fetchFn, getOpened } = watchingFetch();
    const { client } = await connect({ fetch: fetchFn });
    const heard: string[] = [];
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard.push('tools'));
    client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void heard.push('resources'));
    client.setNotificationHandler(PromptListChangedNotificationSchema, () => void heard.push('prompts'));
    await getOpened;

    const tools = [...DEMO_TOOLS, { name: 'Demo_new', inputSchema: { type: 'object' } }];
    directory.set(personaView({ slug: 'demo', name: 'Demo Persona', description: 'Tools for the demo team.', tools, revision: 2 }));
    await eventually('tools/list_changed', () => heard.includes('tools'));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('Demo_new');

    directory.set(personaView({ slug: 'demo', name: 'Demo Persona', description: 'Tools for the demo team.', tools, prompts: [], revision: 3 }));
    await eventually('prompts/list_changed', () => heard.includes('prompts'));
    expect(heard).toEqual(['tools', 'prompts']);
    directory.set(personaView({ slug: 'demo', name: 'Demo Persona', description: 'Tools for the demo team.' }));
  });

  it('serves a 2025-03-26 client in its own revision', async () => {
    const { fetchFn, getOpened, versions } = watchingFetch();
    const { client, transport } = await connect({ fetch: offering('2025-03-26', fetchFn) });
    expect(transport.protocolVersion).toBe('2025-03-26');
    await getOpened;
    expect((await client.listTools()).tools).toEqual(DEMO_TOOLS);
    const progress: unknown[] = [];
    await client.callTool({ name: 'Demo_progress', arguments: { steps: 2 } }, undefined, { onprogress: (update) => void progress.push(update) });
    expect(progress).toHaveLength(2);
    expect(new Set(versions)).toEqual(new Set(['2025-03-26']));
  });

  it('ends the session on DELETE: the id is refused afterwards', async () => {
    const { transport } = await connect();
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    const response = await fetch(edge.endpoint('demo'), {
      method: 'POST',
      headers: { authorization: `Bearer ${ALICE_TOKEN}`, accept: 'application/json, text/event-stream', 'content-type': 'application/json', 'mcp-session-id': sessionId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(response.status).toBe(404);
  });

  it('logs no credentials', () => {
    expect(edge.logs.join('\n')).not.toContain(ALICE_TOKEN);
  });
});
