import { join } from 'node:path';
import { NatsBus } from '@persona-gateway/bus';
import { SERVICE_NAMES, ServiceStatusV1 } from '@persona-gateway/contracts';
import { freePort } from '@persona-gateway/eventstore';
import { createTestDatabase, eventually, startNatsServer, startProcess, waitForHttpOk, type ManagedProcess, type NatsServer, type TestDatabase } from '@persona-gateway/testing';
import { ROOT, tempDataDir } from './helpers.js';

describe('distributed mode: every service its own process, over a real nats-server', () => {
  let database: TestDatabase;
  let nats: NatsServer;
  let natsDir: string;
  const processes: Array<{ name: string; process: ManagedProcess; port: number }> = [];
  let bus: NatsBus;

  const startService = async (name: string) => {
    const port = await freePort();
    // As docker-compose runs them: node on the built service, no npm in between.
    const process = startProcess(globalThis.process.execPath, [join(ROOT, `services/${name}/dist/main.js`)], {
      cwd: ROOT,
      // Each process its own DATA_DIR, as each container has its own volume (a router keeps its call journal there).
      env: { DATABASE_URL: database.url, NATS_URL: nats.url, PORT: String(port), DATA_DIR: await tempDataDir() },
    });
    processes.push({ name, process, port });
    return { name, process, port };
  };

  beforeAll(async () => {
    database = await createTestDatabase('dist');
    natsDir = join(await tempDataDir(), 'nats');
    nats = await startNatsServer(natsDir);
    // Five services and a second router replica, all at once, as an orchestrator would.
    await Promise.all([...SERVICE_NAMES, 'router'].map((name) => startService(name)));
    await Promise.all(processes.map(({ process, port }) => waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, { process, timeoutMs: 90_000 })));
    bus = await NatsBus.connect({ servers: nats.url, name: 'distributed-test' });
  }, 180_000);

  afterAll(async () => {
    await bus?.close();
    const exits = await Promise.all(processes.map(({ process }) => process.stop('SIGTERM')));
    await nats?.stop();
    await database?.drop();
    expect(exits.map((exit) => exit.code)).toEqual(processes.map(() => 0));
  }, 60_000);

  it('has every service ready, each checking the database and NATS', async () => {
    for (const { port, name } of processes) {
      const body = await (await fetch(`http://127.0.0.1:${port}/health/ready`)).json();
      expect({ name, body }).toMatchObject({ name, body: { status: 'ok', info: { database: { status: 'up' }, bus: { status: 'up', transport: 'nats' } } } });
    }
  });

  it('reaches every service over the bus, and spreads router requests across both replicas', async () => {
    for (const service of SERVICE_NAMES) {
      await expect(bus.request(ServiceStatusV1[service], {})).resolves.toMatchObject({ service });
    }
    const instances = new Set<string>();
    for (let i = 0; i < 40; i++) instances.add((await bus.request(ServiceStatusV1.router, {})).instanceId);
    expect(instances.size).toBe(2);
  });

  it('reports not ready while NATS is down and recovers when it is back', async () => {
    const edge = processes.find((p) => p.name === 'edge')!;
    const port = nats.port;
    await nats.stop();
    await eventually('edge not ready', async () => (await fetch(`http://127.0.0.1:${edge.port}/health/ready`)).status === 503, 15_000);
    const down = await (await fetch(`http://127.0.0.1:${edge.port}/health/ready`)).json();
    expect(down).toMatchObject({ status: 'error', error: { bus: { status: 'down' } }, info: { database: { status: 'up' } } });
    nats = await startNatsServer(natsDir, { port });
    await eventually('edge ready again', async () => (await fetch(`http://127.0.0.1:${edge.port}/health/ready`)).status === 200, 20_000);
    await eventually('bus reconnected', async () => (await bus.request(ServiceStatusV1.registry, {}).catch(() => undefined)) !== undefined, 20_000);
  }, 60_000);

  it('refuses to run a single service without DATABASE_URL, in one line', async () => {
    const lone = startProcess(process.execPath, [join(ROOT, 'services/router/dist/main.js')], { env: { NATS_URL: nats.url, DATABASE_URL: '' } });
    const exit = await lone.exited;
    expect(exit.code).toBe(2);
    expect(lone.output()).toBe('Invalid configuration: DATABASE_URL must be set to run the router service on its own (or use npm start for embedded mode)\n');
  });
});
