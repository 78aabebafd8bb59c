import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { eventually, startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import pg from 'pg';
import { adminApi, CLI, EVERYTHING, startDownstream, tempDataDir } from './helpers.js';
import { connectClient } from './persona-scenario.js';

const ECHO = [{ gateway: 'Everything', tool: 'echo' }];

/** A raw MCP initialize, to see the HTTP status and headers the SDK hides. */
async function initialize(base: string, persona: string, token?: string) {
  const response = await fetch(`${base}/personas/${persona}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: await response.text() };
}

describe('API keys end to end (embedded, SDK client, CLI)', () => {
  let dataDir: string;
  let base: string;
  let gateway: ManagedProcess;
  let everything: ManagedProcess;
  let api: ReturnType<typeof adminApi>;
  let adminToken: string;
  const responses: string[] = [];
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
  const call = async (token: string, message: string, persona = 'devops-agent') => {
    const client = await connectClient(base, persona, token, message);
    try {
      return await client.callTool({ name: 'Everything_echo', arguments: { message } });
    } finally {
      await client.close();
    }
  };

  beforeAll(async () => {
    dataDir = await tempDataDir();
    const port = await freePort();
    const everythingPort = await freePort();
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: { DATA_DIR: dataDir, PORT: String(port), SESSION_IDLE_TTL_MS: '60000' } });
    base = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${base}/health/ready`, { process: gateway, timeoutMs: 60_000 });
    adminToken = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const raw = adminApi(base, adminToken);
    // Every admin API answer after a key's creation is kept, to search them for the key.
    api = async (method, path, body) => {
      const result = await raw(method, path, body);
      responses.push(JSON.stringify(result.body));
      return result;
    };
    expect((await api('POST', '/gateways', { name: 'Everything', transport: { type: 'streamable-http', url: `http://127.0.0.1:${everythingPort}/mcp` } })).status).toBe(201);
    for (const slug of ['devops-agent', 'other']) {
      const saved = await api('POST', '/personas', { slug, name: slug, auth: { nonInteractive: true }, tools: ECHO, deploy: true });
      expect({ status: saved.status, auth: saved.body.auth }).toEqual({ status: 201, auth: { nonInteractive: true } });
    }
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    await everything?.stop('SIGTERM');
  }, 60_000);

  it('create a key (CLI), call a tool with it, see it listed with last used; revoke it and the next request gets 401', async () => {
    const created = cli('keys', 'create', '--persona', 'devops-agent', '--name', 'deploy-bot', '--expires', '90d');
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^pgw_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = key.split('_')[1]!;

    const client = await connectClient(base, 'devops-agent', key);
    expect(JSON.stringify((await client.callTool({ name: 'Everything_echo', arguments: { message: 'by key' } })).content)).toContain('by key');

    const listed = await eventually(
      'the key listed with last used',
      async () => {
        const { body } = await api('GET', '/personas/devops-agent/keys');
        const entry = body.keys.find((k: { id: string }) => k.id === id);
        return entry?.lastUsedAt ? entry : undefined;
      },
      10_000,
    );
    expect(listed).toMatchObject({ id, name: 'deploy-bot', prefix: `pgw_${id}`, status: 'active' });
    // Expiry is set by the auth service's clock, creation time by the database's: a few ms apart.
    expect(Math.abs(Date.parse(listed.expiresAt) - Date.parse(listed.createdAt) - 90 * 86_400_000)).toBeLessThan(60_000);
    const cliList = cli('keys', 'list', '--persona', 'devops-agent');
    expect(cliList.stdout).toMatch(new RegExp(`^${id}  pgw_${id}  active  deploy-bot  created \\S+  expires \\S+  last used 20`, 'm'));

    const revoked = cli('keys', 'revoke', id);
    expect(revoked.stdout).toBe(`key ${id} (deploy-bot): revoked\n`);
    // The very next request on the open MCP session is refused.
    await expect(client.callTool({ name: 'Everything_echo', arguments: { message: 'after revoke' } })).rejects.toThrow(/401|Invalid or expired token/);
    await client.close().catch(() => undefined);
    const refused = await initialize(base, 'devops-agent', key);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toMatch(/^Bearer/);
    expect(refused.body).toContain('Invalid or expired token');
    expect((await api('GET', '/personas/devops-agent/keys')).body.keys.find((k: { id: string }) => k.id === id)).toMatchObject({ status: 'revoked', revokedBy: 'admin' });
    const events = (await api('GET', `/events?stream=apikey-${id}`)).body.events;
    expect(events.map((e: { type: string }) => e.type)).toEqual(['ApiKeyIssued', 'ApiKeyRevoked']);
    expect(events[1].metadata.actor).toBe('admin');
  }, 60_000);

  it('answers every bad credential the same: 401, Bearer challenge, "Invalid or expired token"', async () => {
    const { body: created } = await api('POST', '/personas/devops-agent/keys', { name: 'other-persona-check', expires: 'never' });
    const { body: forOther } = await api('POST', '/personas/other/keys', { name: 'for-other', expires: '30d' });
    expect(created.expiresAt).toBeNull();
    expect(created.clientConfig.cursor).toEqual({ mcpServers: { 'devops-agent': { url: `${base}/personas/devops-agent/mcp`, headers: { Authorization: `Bearer ${created.key}` } } } });
    const tampered = `${created.key.slice(0, -2)}${created.key.endsWith('AA') ? 'BB' : 'AA'}`;
    const cases = { missing: undefined, malformed: 'hello', unknown: `pgw_0123456789abcdef_${'x'.repeat(43)}`, tampered, otherPersona: forOther.key, adminToken };
    for (const [name, token] of Object.entries(cases)) {
      const result = await initialize(base, 'devops-agent', token);
      expect({ name, status: result.status, challenge: result.challenge?.startsWith('Bearer'), message: JSON.parse(result.body).error.message }).toEqual({ name, status: 401, challenge: true, message: 'Invalid or expired token' });
    }
    expect((await initialize(base, 'devops-agent', created.key)).status).toBe(200);
    expect((await initialize(base, 'other', forOther.key)).status).toBe(200);
  });

  it('gives two keys of one persona separate downstream sessions; call events name the right key', async () => {
    const one = (await api('POST', '/personas/devops-agent/keys', { name: 'one' })).body;
    const two = (await api('POST', '/personas/devops-agent/keys', { name: 'two' })).body;
    await call(one.key, 'from one');
    await call(two.key, 'from two');
    const { body } = await api('GET', '/sessions');
    const principals = (body.sessions as Array<{ key: { persona: string; principal: string }; downstreamSessionId?: string }>).filter((s) => s.key.persona === 'devops-agent');
    const ofOne = principals.filter((s) => s.key.principal === `apikey:${one.id}`);
    const ofTwo = principals.filter((s) => s.key.principal === `apikey:${two.id}`);
    expect([ofOne.length, ofTwo.length]).toEqual([1, 1]);
    expect(ofOne[0]!.downstreamSessionId).not.toBe(ofTwo[0]!.downstreamSessionId);
    const calls = await eventually(
      'both call events',
      async () => {
        const events = (await api('GET', '/events?type=ToolCallCompleted&limit=10000')).body.events as Array<{ data: { principal: { id: string; kind: string } } }>;
        const mine = events.filter((e) => [one.id, two.id].some((id) => e.data.principal.id === `apikey:${id}`));
        return mine.length >= 2 ? mine : undefined;
      },
      10_000,
    );
    expect(calls.map((e) => e.data.principal).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [{ id: `apikey:${one.id}`, kind: 'api-key' }, { id: `apikey:${two.id}`, kind: 'api-key' }].sort((a, b) => a.id.localeCompare(b.id)),
    );
  });

  it('lets an open persona (loopback) in without a key only while it is marked open', async () => {
    await api('POST', '/personas', { slug: 'open-one', name: 'Open', open: true, tools: ECHO, deploy: true });
    expect((await initialize(base, 'open-one')).status).toBe(200);
    await api('PUT', '/personas/open-one', { name: 'Open', open: false, tools: ECHO, deploy: true });
    expect((await initialize(base, 'open-one')).status).toBe(401);
    // A persona without non-interactive authentication takes no keys at all.
    const refused = await api('POST', '/personas/open-one/keys', { name: 'x' });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('does not accept API keys');
  });

  it('serves client configuration for Claude Desktop and Cursor, with a placeholder', async () => {
    const claude = (await api('GET', '/personas/devops-agent/client-config?client=claude-desktop&mode=api-key')).body;
    expect(claude.config.mcpServers['devops-agent']).toEqual({
      command: 'npx',
      args: ['-y', 'mcp-remote', `${base}/personas/devops-agent/mcp`, '--header', 'Authorization:${AUTH_HEADER}'],
      env: { AUTH_HEADER: 'Bearer <api key>' },
    });
    const cursor = (await api('GET', '/personas/devops-agent/client-config?client=cursor')).body;
    expect(cursor.config).toEqual({ mcpServers: { 'devops-agent': { url: `${base}/personas/devops-agent/mcp`, headers: { Authorization: 'Bearer <api key>' } } } });
  });

  it('never lets a key secret reach the events table, the database, the logs or an API response after creation', async () => {
    const created = (await api('POST', '/personas/devops-agent/keys', { name: 'secret-check', expires: '1y' })).body;
    const secret = (created.key as string).split('_').slice(2).join('_');
    expect(secret).toHaveLength(43);
    const afterCreation = responses.length;
    await call(created.key, 'secret check');
    await api('GET', '/personas/devops-agent/keys');
    await api('GET', '/keys');
    await api('GET', '/events?limit=10000');
    await api('DELETE', `/keys/${created.id}`);
    await api('GET', '/personas/devops-agent');
    const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { databaseUrl: string };
    const db = new pg.Client({ connectionString: runtime.databaseUrl });
    await db.connect();
    try {
      const tables = (await db.query<{ name: string }>(`SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`)).rows;
      expect(tables.map((t) => t.name)).toContain('public.events');
      let dump = '';
      for (const { name } of tables) dump += (await db.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)).rows.map((r) => r.row).join('\n');
      expect(dump).toContain(created.id); // the dump does hold the key's record...
      expect(dump).not.toContain(secret); // ...never its secret
      const events = (await db.query<{ row: string }>(`SELECT e::text AS row FROM events e`)).rows.map((r) => r.row).join('\n');
      expect(events).toContain('ApiKeyIssued');
      expect(events).not.toContain(secret);
    } finally {
      await db.end();
    }
    expect(gateway.output()).not.toContain(secret);
    expect(responses.slice(afterCreation).join('\n')).not.toContain(secret);
    expect(responses.slice(afterCreation).join('\n')).toContain(created.id);
  });
});
