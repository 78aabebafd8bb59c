import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { createTestDatabase, startNatsServer, type ManagedProcess } from '@persona-gateway/testing';
import { adminApi, EVERYTHING, startDownstream, startServices, tempDataDir, type ServiceProcess } from './helpers.js';
import { connectClient } from './persona-scenario.js';

describe('API keys, distributed mode (NATS, two edge replicas)', () => {
  const processes: ServiceProcess[] = [];
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let everything: ManagedProcess;
  let token: string;
  const edges = () => processes.filter((p) => p.name === 'edge').map((p) => `http://127.0.0.1:${p.port}`);

  beforeAll(async () => {
    database = await createTestDatabase('keysdist');
    nats = await startNatsServer(join(await tempDataDir(), 'nats'));
    const everythingPort = await freePort();
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    const env = { DATABASE_URL: database.url, NATS_URL: nats.url, ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };
    const started = await startServices(['registry', 'auth', 'session', 'router', 'edge', 'edge'], env);
    processes.push(...started.processes);
    token = started.token;
    const api = adminApi(edges()[0]!, token);
    expect((await api('POST', '/gateways', { name: 'Everything', transport: { type: 'streamable-http', url: `http://127.0.0.1:${everythingPort}/mcp` } })).status).toBe(201);
    expect((await api('POST', '/personas', { slug: 'devops-agent', name: 'DevOps', auth: { nonInteractive: true }, tools: [{ gateway: 'Everything', tool: 'echo' }], deploy: true })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(({ process }) => process.stop('SIGTERM')));
    await everything?.stop('SIGTERM');
    await nats?.stop();
    await database?.drop();
  }, 60_000);

  it('a key issued through one edge works on the other; revoked through one, the other refuses it within a second', async () => {
    const [first, second] = edges() as [string, string];
    const { body: created } = await adminApi(first, token)('POST', '/personas/devops-agent/keys', { name: 'replicated', expires: 'never' });
    const client = await connectClient(second, 'devops-agent', created.key);
    expect(JSON.stringify((await client.callTool({ name: 'Everything_echo', arguments: { message: 'on the other edge' } })).content)).toContain('on the other edge');

    const revoked = await adminApi(first, token)('DELETE', `/keys/${created.id}`);
    expect(revoked.body.status).toBe('revoked');
    const start = Date.now();
    const status = async () =>
      (
        await fetch(`${second}/personas/devops-agent/mcp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${created.key}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        })
      ).status;
    while ((await status()) !== 401 && Date.now() - start < 2_000) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Date.now() - start).toBeLessThan(1_000);
    await expect(client.callTool({ name: 'Everything_echo', arguments: { message: 'after revoke' } })).rejects.toThrow(/401|Invalid or expired token/);
    await client.close().catch(() => undefined);
  }, 30_000);
});
