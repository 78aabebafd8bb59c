import type { Server } from 'node:http';
import { join } from 'node:path';
import { createTestDatabase, eventually, startNatsServer, type NatsServer, type TestDatabase } from '@persona-gateway/testing';
import { adminApi, startServices, tempDataDir, type ServiceProcess } from './helpers.js';
import { AUDIENCE, echoedHeaders, extraHeaders, ISSUER, signingKey, startHeaderEcho, token, TOOLS, type SigningKey } from './passthrough-support.js';

/**
 * Passthrough across processes: the edge validates the JWT and seals the forwarded headers,
 * the router carries them unread over NATS, the session service opens them and keys the
 * downstream session by caller. Two edge replicas, as behind a load balancer.
 */
describe('passthrough authentication end to end (distributed: NATS, one process per service, two edges)', () => {
  let database: TestDatabase;
  let nats: NatsServer;
  let echo: { server: Server; url: string };
  let key: SigningKey;
  let api: ReturnType<typeof adminApi>;
  const processes: ServiceProcess[] = [];
  const edges = () => processes.filter((p) => p.name === 'edge').map((p) => `http://127.0.0.1:${p.port}`);

  const echoed = (base: string, headers: Record<string, string>) => echoedHeaders(`${base}/personas/tenants/mcp`, headers);

  beforeAll(async () => {
    key = await signingKey('k1');
    echo = await startHeaderEcho();
    database = await createTestDatabase('ptdist');
    nats = await startNatsServer(join(await tempDataDir(), 'nats'));
    const env = { DATABASE_URL: database.url, NATS_URL: nats.url, ENCRYPTION_KEY: Buffer.alloc(32, 5).toString('base64') };
    const started = await startServices(['registry', 'auth', 'session', 'router', 'edge', 'edge'], env);
    processes.push(...started.processes);
    api = adminApi(edges()[0]!, started.token);
    expect((await api('POST', '/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `${echo.url}/mcp` } })).status).toBe(201);
    const auth = { passthrough: { headers: [{ name: 'X-Api-Key' }, { name: 'X-Tenant-Id', forwardAs: 'X-Downstream-Tenant' }], jwt: { jwks: { keys: [key.jwk] }, issuer: ISSUER, audience: AUDIENCE } } };
    expect((await api('POST', '/personas', { slug: 'tenants', name: 'Tenants', auth, tools: TOOLS, deploy: true })).status).toBe(201);
    // Both edges know the persona before the first call.
    await eventually('the persona on every edge', async () => {
      const statuses = await Promise.all(edges().map(async (base) => (await fetch(`${base}/personas/tenants/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{}' })).status));
      return statuses.every((status) => status === 401) ? true : undefined;
    }, 20_000);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(processes.map(({ process }) => process.stop('SIGTERM')));
    await nats?.stop();
    await database?.drop();
    echo?.server.closeAllConnections();
    echo?.server.close();
  }, 60_000);

  it('forwards the configured headers through the bus to the downstream, per caller, from either edge; a bad token is refused', async () => {
    const [edgeA, edgeB] = edges() as [string, string];
    const alice = await echoed(edgeA, { authorization: `Bearer ${await token(key, { sub: 'alice' })}`, 'X-Api-Key': 'alice-key', 'X-Tenant-Id': 'acme', 'X-Not-Listed': 'no' });
    expect(extraHeaders(alice.headers)).toEqual({ 'x-api-key': 'alice-key', 'x-downstream-tenant': 'acme' });

    // Another caller, through the other edge: its own headers and its own downstream session.
    const bob = await echoed(edgeB, { authorization: `Bearer ${await token(key, { sub: 'bob' })}`, 'X-Api-Key': 'bob-key', 'X-Tenant-Id': 'globex' });
    expect(extraHeaders(bob.headers)).toEqual({ 'x-api-key': 'bob-key', 'x-downstream-tenant': 'globex' });
    expect(bob.sessionId).not.toBe(alice.sessionId);

    // Alice again, through the other edge: the same downstream session (keyed by her subject), her headers.
    const again = await echoed(edgeB, { authorization: `Bearer ${await token(key, { sub: 'alice' })}`, 'X-Api-Key': 'alice-key', 'X-Tenant-Id': 'acme' });
    expect(again.sessionId).toBe(alice.sessionId);
    expect(extraHeaders(again.headers)).toEqual({ 'x-api-key': 'alice-key', 'x-downstream-tenant': 'acme' });

    // A token signed by another key is refused at the edge, with the same 401 as every refusal.
    const stranger = await signingKey('k1');
    const refused = await fetch(`${edgeA}/personas/tenants/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await token(stranger, { sub: 'mallory' })}`, 'X-Tenant-Id': 'acme' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(refused.status).toBe(401);

    // The forwarded values never reach the event store.
    const events = (await api('GET', '/events?limit=10000')).body.events as unknown[];
    const text = JSON.stringify(events);
    for (const secret of ['alice-key', 'bob-key', 'acme', 'globex']) expect(text).not.toContain(secret);
    expect(text).toContain('passthrough:alice');
  });
});
