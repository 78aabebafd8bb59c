import { DownstreamListChangedV1, SessionDiscoverV1, type GatewayTransport, type PayloadOf } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { EVERYTHING, MEMORY, startEverything, type RunningServer } from './support/downstreams.js';
import { PAGES, TOOLS_PER_PAGE, startPagedServer } from './support/paged-server.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';

describe('discovery', () => {
  let everything: RunningServer;
  let everythingSse: RunningServer;
  let harness: Harness;

  beforeAll(async () => {
    [everything, everythingSse] = await Promise.all([startEverything('streamableHttp'), startEverything('sse')]);
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
    await Promise.all([everything?.stop(), everythingSse?.stop()]);
  });

  const discover = (gateway: string, connection: GatewayTransport) => harness.bus.request(SessionDiscoverV1, { gateway, connection }, { timeoutMs: 20_000 });

  it.each([
    ['Streamable HTTP', () => http(everything.url)],
    ['legacy SSE', (): GatewayTransport => ({ type: 'sse', url: everythingSse.url, headers: {} })],
  ])('lists the tools, resources, templates and prompts of server-everything over %s', async (_, connection) => {
    const catalog = await discover('Everything', connection());
    expect(catalog.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(catalog.tools.find((t) => t.name === 'echo')).toMatchObject({ inputSchema: { type: 'object' }, description: expect.any(String) });
    expect(catalog.resources.length).toBeGreaterThan(0);
    expect(catalog.resourceTemplates.length).toBeGreaterThan(0);
    expect(catalog.prompts.map((p) => p.name).length).toBeGreaterThan(0);
    expect(catalog.serverInfo).toMatchObject({ name: expect.stringContaining('everything') });
    expect(catalog.instructions).toEqual(expect.any(String));
  });

  it('lists server-memory over stdio; a capability it lacks gives an empty list, not an error', async () => {
    const catalog = await discover('Memory', { type: 'stdio', command: process.execPath, args: [MEMORY], env: {} });
    expect(catalog.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['create_entities', 'read_graph', 'search_nodes']));
    expect(catalog.resources.map((r) => r.uri)).toEqual(['memory://knowledge-graph']);
    expect(catalog).toMatchObject({ prompts: [], serverInfo: { name: 'memory-server' } });
  });

  it('follows nextCursor through every page, and takes a declared but unanswered list as empty', async () => {
    const paged = await startPagedServer();
    try {
      const catalog = await discover('Paged', http(paged.url));
      const expected = Array.from({ length: PAGES }, (_, page) => Array.from({ length: TOOLS_PER_PAGE }, (_, i) => `tool-${page}-${i}`)).flat();
      expect(catalog.tools.map((t) => t.name)).toEqual(expected);
      expect(catalog).toMatchObject({ prompts: [], resources: [], resourceTemplates: [], serverInfo: { name: 'paged-server' } });
    } finally {
      await paged.close();
    }
  });

  it('uses a throwaway session: nothing is left in the table', async () => {
    await discover('Everything', http(everything.url));
    expect(harness.service.list()).toMatchObject({ openedTotal: 0, sessions: [] });
  });

  it('fails with UNAVAILABLE when the server cannot be reached', async () => {
    await expect(discover('Gone', { type: 'stdio', command: '/nonexistent/server', args: [], env: {} })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'Downstream gateway endpoint not available: Gone',
    });
  });

  it("publishes a session's downstream tools/list_changed notification", async () => {
    const changes: PayloadOf<typeof DownstreamListChangedV1>[] = [];
    await harness.bus.subscribe(DownstreamListChangedV1, (event) => void changes.push(event));
    // Over stdio, server-everything registers its task tools right after initialisation and says so.
    const result = await harness.call(key('EverythingLocal'), { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], env: {} }, 'echo', { message: 'hi' });
    expect(text(result)).toBe('Echo: hi');
    await eventually('a tools list_changed event', () => changes.some((c) => c.gateway === 'EverythingLocal' && c.what === 'tools'), 5_000);
  });
});
