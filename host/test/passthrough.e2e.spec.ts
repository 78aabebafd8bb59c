import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { eventually, startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { SignJWT, UnsecuredJWT, type JWK } from 'jose';
import { adminApi, CLI, EVERYTHING, tempDataDir } from './helpers.js';
import { AUDIENCE, echoedHeaders, extraHeaders, ISSUER, listen, now, signingKey, startHeaderEcho, token, TOOLS, type SigningKey } from './passthrough-support.js';

describe('passthrough authentication end to end (embedded)', () => {
  let dataDir: string;
  let base: string;
  let gateway: ManagedProcess;
  let api: ReturnType<typeof adminApi>;
  let echo: { server: Server; url: string };
  let jwks: { server: Server; url: string };
  let hanging: { server: Server; url: string };
  let published: JWK[] = [];
  let jwksFetches = 0;
  let k1: SigningKey;

  const endpoint = (persona: string) => `${base}/personas/${persona}/mcp`;

  /** A raw initialize: the HTTP status and error message the SDK hides. */
  async function initialize(persona: string, headers: Record<string, string>) {
    const response = await fetch(endpoint(persona), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    const text = await response.text();
    return { status: response.status, message: response.status === 200 ? undefined : (JSON.parse(text) as { error: { message: string } }).error.message };
  }

  const echoed = (persona: string, headers: Record<string, string>) => echoedHeaders(endpoint(persona), headers);

  beforeAll(async () => {
    k1 = await signingKey('k1');
    published = [k1.jwk];
    jwks = await listen((_req, res) => {
      jwksFetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    });
    echo = await startHeaderEcho();
    hanging = await listen(() => undefined); // accepts, never answers
    dataDir = await tempDataDir();
    const port = await freePort();
    gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: { DATA_DIR: dataDir, PORT: String(port), JWKS_TIMEOUT_MS: '1000', JWKS_COOLDOWN_MS: '300' } });
    base = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${base}/health/ready`, { process: gateway, timeoutMs: 60_000 });
    api = adminApi(base, (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim());
    expect((await api('POST', '/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `${echo.url}/mcp` } })).status).toBe(201);
    const jwt = { jwksUrl: `${jwks.url}/.well-known/jwks.json`, issuer: ISSUER, audience: AUDIENCE };
    const personas = {
      'jwt-remote': { passthrough: { headers: [{ name: 'X-Api-Key' }, { name: 'X-Tenant-Id', forwardAs: 'X-Downstream-Tenant' }], jwt } },
      'jwt-inline': { passthrough: { headers: [{ name: 'X-Tenant-Id' }], jwt: { jwks: { keys: [k1.jwk] }, issuer: ISSUER, audience: AUDIENCE } } },
      'jwt-down': { passthrough: { headers: [{ name: 'X-Tenant-Id' }], jwt: { ...jwt, jwksUrl: `http://127.0.0.1:${await freePort()}/jwks.json` } } },
      'jwt-hang': { passthrough: { headers: [{ name: 'X-Tenant-Id' }], jwt: { ...jwt, jwksUrl: `${hanging.url}/jwks.json` } } },
      tenants: { nonInteractive: true, passthrough: { headers: [{ name: 'X-Tenant-Id' }] } },
    };
    for (const [slug, auth] of Object.entries(personas)) {
      const saved = await api('POST', '/personas', { slug, name: slug, auth, tools: TOOLS, deploy: true });
      expect({ slug, status: saved.status, warnings: saved.body.warnings }).toEqual({ slug, status: 201, warnings: undefined });
    }
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    echo?.server.closeAllConnections();
    echo?.server.close();
    jwks?.server.close();
    hanging?.server.closeAllConnections();
    hanging?.server.close();
  }, 60_000);

  it('forwards exactly the configured headers, renamed where configured, after a valid JWT; the subject is the principal', async () => {
    const received = await echoed('jwt-remote', {
      authorization: `Bearer ${await token(k1, { sub: 'alice' })}`,
      'X-Api-Key': 'tenant-secret-1',
      'X-Tenant-Id': 'acme',
      'X-Not-Listed': 'must-not-pass',
      Cookie: 'session=must-not-pass',
    });
    expect(extraHeaders(received.headers)).toEqual({ 'x-api-key': 'tenant-secret-1', 'x-downstream-tenant': 'acme' });

    const { body: sessions } = await api('GET', '/sessions');
    expect(sessions.sessions.filter((s: { key: { persona: string } }) => s.key.persona === 'jwt-remote').map((s: { key: { principal: string } }) => s.key.principal)).toEqual(['passthrough:alice']);
    const events = await eventually(
      'the call event',
      async () => {
        const all = (await api('GET', '/events?type=ToolCallCompleted&limit=10000')).body.events as Array<{ data: { persona: string; principal: unknown } }>;
        const mine = all.filter((e) => e.data.persona === 'jwt-remote');
        return mine.length > 0 ? mine : undefined;
      },
      10_000,
    );
    expect(events[0]!.data.principal).toEqual({ id: 'passthrough:alice', kind: 'passthrough', label: 'alice' });
    // Forwarded values reach neither the event history nor the logs.
    const history = JSON.stringify((await api('GET', '/events?limit=10000')).body);
    expect(history).not.toContain('tenant-secret-1');
    expect(gateway.output()).not.toContain('tenant-secret-1');
  });

  it('refuses every bad token with the same 401 and logs which check failed', async () => {
    const stranger = await signingKey('k1'); // same kid, other key: a bad signature
    const unknown = await signingKey('not-published');
    const cases: Record<string, string> = {
      badSignature: await token(stranger),
      expired: await token(k1, { exp: now() - 600 }),
      notYetValid: await token(k1, { nbf: now() + 600 }),
      wrongIssuer: await token(k1, { iss: 'https://evil.example' }),
      wrongAudience: await token(k1, { aud: 'someone-else' }),
      algNone: new UnsecuredJWT({}).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 300).encode(),
      symmetric: await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('alice').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now() + 300).sign(new Uint8Array(32).fill(7)),
      unknownKey: await token(unknown),
      garbage: 'not-a-jwt',
    };
    for (const [name, jwt] of Object.entries(cases)) {
      const result = await initialize('jwt-remote', { authorization: `Bearer ${jwt}`, 'x-tenant-id': 'acme' });
      expect({ name, ...result }).toEqual({ name, status: 401, message: 'Invalid or expired token' });
    }
    // Headers without the token they need are refused too, and so is nothing at all.
    expect(await initialize('jwt-remote', { 'x-tenant-id': 'acme' })).toEqual({ status: 401, message: 'Invalid or expired token' });
    expect(await initialize('jwt-remote', {})).toEqual({ status: 401, message: 'Invalid or expired token' });
    const log = gateway.output();
    for (const code of ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWT_EXPIRED', 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JWKS_NO_MATCHING_KEY']) expect(log).toContain(code);
    expect(log).not.toContain(cases.expired);
    expect((await initialize('jwt-remote', { authorization: `Bearer ${await token(k1)}` })).status).toBe(200);
  });

  it('picks up a key published later at the JWKS URL without a restart', async () => {
    const k2 = await signingKey('k2', 'ES256');
    const rotated = await token(k2, { sub: 'bob', alg: 'ES256' });
    expect((await initialize('jwt-remote', { authorization: `Bearer ${rotated}` })).status).toBe(401);
    published = [k1.jwk, k2.jwk];
    const fetchesBefore = jwksFetches;
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the (test's) refetch cooldown
    expect((await initialize('jwt-remote', { authorization: `Bearer ${rotated}` })).status).toBe(200);
    expect(jwksFetches).toBeGreaterThan(fetchesBefore);
  });

  it('fails closed when the JWKS URL cannot be reached or does not answer in time', async () => {
    const valid = await token(k1);
    expect(await initialize('jwt-down', { authorization: `Bearer ${valid}`, 'x-tenant-id': 'acme' })).toEqual({ status: 401, message: 'Invalid or expired token' });
    expect(gateway.output()).toMatch(/persona jwt-down: passthrough JWT refused/);
    const started = Date.now();
    expect(await initialize('jwt-hang', { authorization: `Bearer ${valid}`, 'x-tenant-id': 'acme' })).toEqual({ status: 401, message: 'Invalid or expired token' });
    expect(Date.now() - started).toBeLessThan(5_000); // JWKS_TIMEOUT_MS is 1 s here
    expect(gateway.output()).toMatch(/persona jwt-hang: passthrough JWT refused \(ERR_JWKS_TIMEOUT/);
  });

  it('validates against an inline JWKS with issuer and audience checks', async () => {
    const received = await echoed('jwt-inline', { authorization: `Bearer ${await token(k1, { sub: 'carol' })}`, 'X-Tenant-Id': 'inline' });
    // Authorization carried the token to the gateway; it is not listed, so it stops there.
    expect(extraHeaders(received.headers)).toEqual({ 'x-tenant-id': 'inline' });
    expect((await initialize('jwt-inline', { authorization: `Bearer ${await token(k1, { iss: 'https://other.example' })}` })).status).toBe(401);
    expect((await initialize('jwt-inline', { authorization: `Bearer ${await token(k1, { aud: 'other' })}` })).status).toBe(401);
  });

  it('gives two tenants separate downstream sessions and the same tenant one, reused', async () => {
    const a1 = await echoed('tenants', { 'X-Tenant-Id': 'tenant-a' });
    const b = await echoed('tenants', { 'X-Tenant-Id': 'tenant-b' });
    const a2 = await echoed('tenants', { 'X-Tenant-Id': 'tenant-a' });
    expect([a1.headers['x-tenant-id'], b.headers['x-tenant-id'], a2.headers['x-tenant-id']]).toEqual(['tenant-a', 'tenant-b', 'tenant-a']);
    expect(a2.sessionId).toBe(a1.sessionId);
    expect(b.sessionId).not.toBe(a1.sessionId);
    const { body } = await api('GET', '/sessions');
    const principals = (body.sessions as Array<{ key: { persona: string; principal: string } }>).filter((s) => s.key.persona === 'tenants').map((s) => s.key.principal);
    expect(principals).toHaveLength(2);
    for (const principal of principals) expect(principal).toMatch(/^passthrough:h:[0-9a-f]{64}$/);
  });

  it('takes either credential on one endpoint when API keys and passthrough are both on', async () => {
    const { status, body: key } = await api('POST', '/personas/tenants/keys', { name: 'bot', expires: '30d' });
    expect(status).toBe(201);
    const byKey = await echoed('tenants', { authorization: `Bearer ${key.key}` });
    expect(extraHeaders(byKey.headers)).toEqual({});
    expect((await echoed('tenants', { 'X-Tenant-Id': 'tenant-c' })).headers['x-tenant-id']).toBe('tenant-c');
    expect(await initialize('tenants', { authorization: `Bearer pgw_0123456789abcdef_${'x'.repeat(43)}` })).toEqual({ status: 401, message: 'Invalid or expired token' });
    expect(await initialize('tenants', {})).toEqual({ status: 401, message: 'Invalid or expired token' });
  });

  it('refuses unusable settings and warns about forwarding Authorization and about stdio gateways (API and apply)', async () => {
    const refused = await api('POST', '/personas', { slug: 'broken', name: 'broken', auth: { passthrough: { headers: [], jwt: { issuer: ISSUER } } }, tools: TOOLS });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('exactly one of jwksUrl');
    const secret = await api('POST', '/personas', { slug: 'broken', name: 'broken', auth: { passthrough: { headers: [], jwt: { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } } } }, tools: TOOLS });
    expect(secret.status).toBe(400);
    expect(JSON.stringify(secret.body)).toContain('symmetric key');

    const stdio = await api('POST', '/gateways', { name: 'Local', transport: { type: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'] } });
    expect(stdio.status).toBe(201);
    const saved = await api('POST', '/personas', {
      slug: 'forwards-token',
      name: 'forwards-token',
      auth: { passthrough: { headers: [{ name: 'Authorization' }] } },
      tools: [...TOOLS, { gateway: 'Local', tool: 'echo' }],
    });
    expect(saved.status).toBe(201);
    expect(saved.body.warnings).toEqual([expect.stringContaining('MCP forbids'), 'Passthrough headers are not forwarded to stdio gateways: Local']);

    const file = join(dataDir, 'passthrough.yaml');
    await writeFile(file, ['personas:', '  - slug: forwards-token', '    name: forwards-token', '    auth:', '      passthrough:', '        headers:', '          - name: Authorization', '    tools: [Echo/headers]', ''].join('\n'));
    const applied = spawnSync(process.execPath, [CLI, 'apply', '-f', file], { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
    expect(applied.status).toBe(0);
    expect(applied.stderr).toContain('warning: persona forwards-token: Passthrough forwards the client\'s Authorization header');
  }, 60_000);
});
