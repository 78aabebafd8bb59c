import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort } from '@persona-gateway/eventstore';
import { eventually, type ManagedProcess } from '@persona-gateway/testing';
import { adminApi, EVERYTHING, MEMORY, ROOT, startDownstream, tempDataDir } from './helpers.js';

export interface Product {
  readonly base: string;
  readonly token: string;
  /** Session idle TTL the product was started with. */
  readonly ttlMs: number;
}

export const SELECTED = [
  { gateway: 'Everything', tool: 'echo' },
  { gateway: 'Everything', tool: 'get-sum' },
  { gateway: 'Everything', tool: 'trigger-long-running-operation' },
  { gateway: 'Legacy', tool: 'echo' },
  { gateway: 'Memory', tool: 'create_entities' },
  { gateway: 'Memory', tool: 'read_graph' },
  { gateway: 'Dynamic', tool: 'ping-me' },
];
const EXPOSED = SELECTED.map((ref) => `${ref.gateway}_${ref.tool}`).sort();

export async function connectClient(base: string, persona: string, token: string | undefined, name = 'e2e') {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/personas/${persona}/mcp`), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : undefined,
  });
  await client.connect(transport);
  return client;
}

const text = (result: any) => (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('');

/**
 * The whole gateway/persona flow against a running product (embedded or distributed):
 * three downstream transports, tools/list, calls, progress, cancellation, unknown tools,
 * session reuse and TTL, principals, downstream restarts and outages, list_changed.
 */
export function personaScenario(start: (ttlMs: number) => Promise<Product & { stop(): Promise<void> }>) {
  let product: Product & { stop(): Promise<void> };
  let api: ReturnType<typeof adminApi>;
  let everything: ManagedProcess;
  let legacy: ManagedProcess;
  let dynamic: ManagedProcess;
  let everythingPort: number;
  let client: Client;

  const sessionsOf = async (gateway: string) => {
    const { body } = await api('GET', '/sessions');
    return { openedTotal: body.openedTotal as number, sessions: (body.sessions as Array<{ key: { persona: string; gateway: string; principal: string }; downstreamSessionId?: string }>).filter((s) => s.key.gateway === gateway) };
  };

  beforeAll(async () => {
    everythingPort = await freePort();
    const legacyPort = await freePort();
    const dynamicPort = await freePort();
    [everything, legacy, dynamic] = await Promise.all([
      startDownstream([EVERYTHING, 'streamableHttp'], everythingPort),
      startDownstream([EVERYTHING, 'sse'], legacyPort),
      startDownstream([join(ROOT, 'host/test/fixtures/dynamic-server.mjs')], dynamicPort),
    ]);
    product = await start(3_000);
    api = adminApi(product.base, product.token);
    const memoryFile = join(await tempDataDir(), 'memory.jsonl');
    const gateways = [
      { name: 'Everything', transport: { type: 'streamable-http', url: `http://127.0.0.1:${everythingPort}/mcp` } },
      { name: 'Legacy', transport: { type: 'sse', url: `http://127.0.0.1:${legacyPort}/sse` } },
      { name: 'Memory', transport: { type: 'stdio', command: process.execPath, args: [MEMORY], env: { MEMORY_FILE_PATH: memoryFile } } },
      { name: 'Dynamic', transport: { type: 'streamable-http', url: `http://127.0.0.1:${dynamicPort}/mcp` } },
    ];
    for (const gateway of gateways) {
      const registered = await api('POST', '/gateways', gateway);
      expect({ name: gateway.name, status: registered.status, health: registered.body.status }).toEqual({ name: gateway.name, status: 201, health: 'available' });
    }
    const saved = await api('POST', '/personas', { slug: 'team', name: 'Team', description: 'e2e persona', auth: { nonInteractive: true }, tools: SELECTED, deploy: true });
    expect(saved.status).toBe(201);
    expect(saved.body.endpoint).toBe(`${product.base}/personas/team/mcp`);
    // Persona endpoints take API keys; the admin token is for the admin API only.
    const key = await api('POST', '/personas/team/keys', { name: 'e2e', expires: 'never' });
    expect(key.status).toBe(201);
    client = await connectClient(product.base, 'team', key.body.key);
  }, 120_000);

  afterAll(async () => {
    await client?.close().catch(() => undefined);
    await product?.stop();
    await Promise.all([everything, legacy, dynamic].map((p) => p?.stop('SIGTERM')));
  }, 60_000);

  it('lists exactly the selected tools, prefixed, with the downstream schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(EXPOSED);
    const sum = tools.find((t) => t.name === 'Everything_get-sum')!;
    expect(sum.inputSchema.properties).toHaveProperty('a');
    expect(sum.description).toBeTruthy();
  });

  it('calls a tool of each transport: Streamable HTTP, legacy SSE and stdio', async () => {
    expect(text(await client.callTool({ name: 'Everything_echo', arguments: { message: 'over http' } }))).toContain('over http');
    expect(text(await client.callTool({ name: 'Legacy_echo', arguments: { message: 'over sse' } }))).toContain('over sse');
    await client.callTool({ name: 'Memory_create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] } });
    expect(text(await client.callTool({ name: 'Memory_read_graph', arguments: {} }))).toContain('Ada');
    expect(text(await client.callTool({ name: 'Everything_get-sum', arguments: { a: 2, b: 40 } }))).toContain('42');
  });

  it('passes progress notifications through', async () => {
    const progress: number[] = [];
    const result = await client.callTool({ name: 'Everything_trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
      onprogress: (p) => progress.push(p.progress),
      timeout: 30_000,
    });
    expect(text(result)).toMatch(/completed/i);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('cancels a call in flight, and the persona keeps working', async () => {
    const controller = new AbortController();
    const call = client.callTool({ name: 'Everything_trigger-long-running-operation', arguments: { duration: 20, steps: 20 } }, undefined, { signal: controller.signal, timeout: 60_000 });
    setTimeout(() => controller.abort('changed my mind'), 500);
    const started = Date.now();
    await expect(call).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(text(await client.callTool({ name: 'Everything_echo', arguments: { message: 'still here' } }))).toContain('still here');
  });

  it('answers "Unknown tool" for a tool the persona did not select', async () => {
    await expect(client.callTool({ name: 'Everything_get-env', arguments: {} })).rejects.toThrow('Unknown tool: Everything_get-env');
    await expect(client.callTool({ name: 'Nothing_at_all', arguments: {} })).rejects.toThrow('Unknown tool: Nothing_at_all');
  });

  it('reuses one downstream session for 100 calls, closes it after the idle TTL, then opens a new one', async () => {
    // Let earlier sessions of this gateway expire first, so the count starts clean.
    await eventually('earlier sessions to expire', async () => (await sessionsOf('Everything')).sessions.length === 0, product.ttlMs * 4);
    const before = (await sessionsOf('Everything')).openedTotal;
    for (let i = 0; i < 100; i++) await client.callTool({ name: 'Everything_echo', arguments: { message: `n${i}` } });
    const during = await sessionsOf('Everything');
    expect(during.openedTotal - before).toBe(1);
    expect(during.sessions).toHaveLength(1);
    await eventually('the idle session to close', async () => (await sessionsOf('Everything')).sessions.length === 0, product.ttlMs * 4);
    await client.callTool({ name: 'Everything_echo', arguments: { message: 'again' } });
    expect((await sessionsOf('Everything')).openedTotal - before).toBe(2);
  }, 60_000);

  it('never shares a downstream session between two principals', async () => {
    await api('POST', '/personas', { slug: 'open-team', name: 'Open team', open: true, auth: { nonInteractive: true }, tools: [{ gateway: 'Everything', tool: 'echo' }], deploy: true });
    const { body: key } = await api('POST', '/personas/open-team/keys', { name: 'service account' });
    const anonymous = await connectClient(product.base, 'open-team', undefined, 'anonymous');
    const serviceAccount = await connectClient(product.base, 'open-team', key.key, 'service-account');
    try {
      await anonymous.callTool({ name: 'Everything_echo', arguments: { message: 'a' } });
      await serviceAccount.callTool({ name: 'Everything_echo', arguments: { message: 'b' } });
      const sessions = (await sessionsOf('Everything')).sessions.filter((s) => s.key.persona === 'open-team');
      expect(new Set(sessions.map((s) => s.key.principal)).size).toBe(2);
      expect(new Set(sessions.map((s) => s.downstreamSessionId)).size).toBe(2);
    } finally {
      await anonymous.close();
      await serviceAccount.close();
    }
  });

  it('re-initialises a downstream session the server forgot, without the caller seeing an error', async () => {
    await client.callTool({ name: 'Everything_echo', arguments: { message: 'before restart' } });
    await everything.stop('SIGTERM');
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    expect(text(await client.callTool({ name: 'Everything_echo', arguments: { message: 'after restart' } }))).toContain('after restart');
  });

  it('fails fast with "not available" for a stopped downstream, keeps other gateways working, and recovers', async () => {
    await everything.stop('SIGTERM');
    const started = Date.now();
    await expect(client.callTool({ name: 'Everything_echo', arguments: { message: 'x' } })).rejects.toThrow('Downstream gateway endpoint not available: Everything');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text(await client.callTool({ name: 'Memory_read_graph', arguments: {} }))).toContain('Ada');
    await eventually('Everything marked unavailable', async () => (await api('GET', '/gateways/Everything')).body.status === 'unavailable', 15_000);
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    await eventually('Everything available again', async () => (await api('GET', '/gateways/Everything')).body.status === 'available', 30_000);
    expect(text(await client.callTool({ name: 'Everything_echo', arguments: { message: 'back' } }))).toContain('back');
  }, 60_000);

  it('records a downstream list_changed as a catalog event; the persona only changes for selected tools', async () => {
    const { body: before } = await api('GET', '/events?type=GatewayCatalogChanged&limit=1000');
    await client.callTool({ name: 'Dynamic_ping-me', arguments: {} });
    // Ask the downstream (directly, not through the persona) to add a tool.
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${(await api('GET', '/gateways/Dynamic')).body.transport.url.split(':')[2].split('/')[0]}/mcp`)));
    await direct.callTool({ name: 'add-tool', arguments: { name: 'brand-new' } });
    await direct.close();
    const changed = await eventually(
      'a catalog event adding brand-new',
      async () => {
        const { body } = await api('GET', '/events?type=GatewayCatalogChanged&limit=1000');
        return body.events.length > before.events.length ? body.events.at(-1) : undefined;
      },
      15_000,
    );
    expect(changed.streamId).toBe('gateway-Dynamic');
    expect(changed.data.tools.added).toEqual(['brand-new']);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(EXPOSED); // not selected: no change for the persona
  }, 30_000);
}
