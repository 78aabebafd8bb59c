import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { InProcessBus, NatsBus, type Bus } from '@persona-gateway/bus';
import { eventually, startNatsServer, type NatsServer } from '@persona-gateway/testing';
import { randomKey, startEdge, type EdgeApp } from './support/edge-app.js';
import { ALICE_TOKEN, DEMO_TOOLS, personaView, StaticDirectory, TokenAuthenticator } from './support/personas.js';
import { RawClient } from './support/raw-client.js';
import { SseReader } from './support/sse.js';
import { startTestRouter, type TestRouter } from './support/test-router.js';

interface Buses {
  /** One bus per process: two edge replicas and the router. */
  readonly edgeA: Bus;
  readonly edgeB: Bus;
  readonly router: Bus;
  close(): Promise<void>;
}

const transports: Array<{ name: string; open(): Promise<Buses> }> = [
  {
    name: 'the in-process bus',
    async open() {
      const bus = new InProcessBus();
      return { edgeA: bus, edgeB: bus, router: bus, close: () => bus.close() };
    },
  },
  {
    name: 'NATS (a private nats-server)',
    async open() {
      // Private, so that the stand-in router cannot answer another suite's router.tools.call.v1.
      const server: NatsServer = await startNatsServer(join(process.env.PGW_TEST_TMP ?? tmpdir(), `edge-nats-${randomBytes(4).toString('hex')}`));
      const [edgeA, edgeB, router] = await Promise.all(['edge-a', 'edge-b', 'router'].map((name) => NatsBus.connect({ servers: server.url, name })));
      return {
        edgeA: edgeA!,
        edgeB: edgeB!,
        router: router!,
        close: async () => {
          await Promise.all([edgeA!.close(), edgeB!.close(), router!.close()]);
          await server.stop();
        },
      };
    },
  },
];

/** A load balancer without stickiness: every request goes to the next replica. */
function roundRobin(bases: string[], served: string[]): typeof fetch {
  let next = 0;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const base = bases[next++ % bases.length]!;
    url.host = new URL(base).host;
    served.push(base);
    return fetch(url, init);
  };
}

describe.each(transports)('edge replicas over $name', (transport) => {
  let buses: Buses;
  let directory: StaticDirectory;
  let router: TestRouter;
  let a: EdgeApp;
  let b: EdgeApp;
  const key = randomKey();

  beforeAll(async () => {
    buses = await transport.open();
    directory = new StaticDirectory([personaView({ slug: 'demo' })]);
    router = await startTestRouter(buses.router);
    const authenticator = new TokenAuthenticator();
    [a, b] = await Promise.all([startEdge({ bus: buses.edgeA, key, directory, authenticator }), startEdge({ bus: buses.edgeB, key, directory, authenticator })]);
    await Promise.all([buses.edgeA.ping(), buses.edgeB.ping(), buses.router.ping()]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await router?.close();
    await buses?.close();
  });

  it('keeps a session whose requests land on either replica, progress included', async () => {
    const served: string[] = [];
    const transportA = new StreamableHTTPClientTransport(new URL(a.endpoint('demo')), {
      requestInit: { headers: { authorization: `Bearer ${ALICE_TOKEN}` } },
      fetch: roundRobin([a.base, b.base], served),
    });
    const client = new Client({ name: 'behind-a-load-balancer', version: '1.0.0' });
    await client.connect(transportA);
    try {
      for (let i = 0; i < 3; i++) expect((await client.listTools()).tools).toEqual(DEMO_TOOLS);
      for (let i = 0; i < 2; i++) {
        const progress: unknown[] = [];
        const result = await client.callTool({ name: 'Demo_progress', arguments: { steps: 2 } }, undefined, { onprogress: (update) => void progress.push(update) });
        expect(result.content).toEqual([{ type: 'text', text: 'done after 2 steps' }]);
        expect(progress).toHaveLength(2);
      }
      expect(new Set(served)).toEqual(new Set([a.base, b.base]));
      // Each replica's progress reached it, wherever the router ran.
      const notified = router.calls.filter((call) => call.notify).map((call) => call.notify!.edgeInstance);
      expect(new Set(notified)).toEqual(new Set([a.instanceId, b.instanceId]));
    } finally {
      await client.close();
    }
  });

  it('refuses on every replica a session DELETEd on one, and closes its streams there', async () => {
    const onA = new RawClient(a.endpoint('demo'));
    const onB = new RawClient(b.endpoint('demo'));
    const session = await onA.initialize();
    expect((await onB.request(session, 1, 'ping')).status).toBe(200);
    const stream = new SseReader(await onA.get(session));
    await stream.next();

    expect((await onB.delete(session)).status).toBe(200);
    expect((await onB.request(session, 2, 'ping')).status).toBe(404);
    await eventually('replica A to refuse the session', async () => (await onA.request(session, 3, 'ping')).status === 404);
    expect(await stream.rest()).toEqual([]);
  });

  it('refuses a session id sealed with another key', async () => {
    const session = await new RawClient(a.endpoint('demo')).initialize();
    const stranger = await startEdge({ bus: buses.edgeB, key: randomKey(), directory, authenticator: new TokenAuthenticator() });
    try {
      expect((await new RawClient(stranger.endpoint('demo')).request(session, 1, 'ping')).status).toBe(404);
    } finally {
      await stranger.close();
    }
  });

  it('tells the GET streams on each replica when the tools change', async () => {
    const clients: Client[] = [];
    const heard: string[] = [];
    try {
      for (const replica of [a, b]) {
        let opened!: () => void;
        const getOpened = new Promise<void>((resolve) => (opened = resolve));
        const client = new Client({ name: 'listener', version: '1.0.0' });
        client.setNotificationHandler(ToolListChangedNotificationSchema, () => void heard.push(replica.base));
        await client.connect(
          new StreamableHTTPClientTransport(new URL(replica.endpoint('demo')), {
            requestInit: { headers: { authorization: `Bearer ${ALICE_TOKEN}` } },
            fetch: async (input, init) => {
              const response = await fetch(input, init);
              if (init?.method === 'GET' && response.ok) opened();
              return response;
            },
          }),
        );
        clients.push(client);
        await getOpened;
      }
      directory.set(personaView({ slug: 'demo', tools: DEMO_TOOLS.slice(1), revision: 2 }));
      await eventually('both replicas to notify', () => heard.length === 2);
      expect(heard.sort()).toEqual([a.base, b.base].sort());
    } finally {
      directory.set(personaView({ slug: 'demo' }));
      await Promise.all(clients.map((client) => client.close()));
    }
  });
});
