import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { GatewayTransport } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { MEMORY } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';

describe('sealed gateway secrets', () => {
  let server: RecordingServer;
  let harness: Harness;

  beforeAll(async () => {
    server = await startRecordingServer();
    harness = await startHarness();
  });
  afterAll(async () => {
    await harness?.close();
    await server?.close();
  });

  it('opens sealed headers and sends them on every Streamable HTTP request', async () => {
    const headers = harness.seal('Recorder', { 'X-Api-Key': 'key-7f3a9c', 'X-Tenant': 'acme' });
    const result = await harness.call(key('Recorder'), http(server.url, headers), 'whoami');
    expect(text(result)).toBe('hello from the recording server');
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path === '/mcp');
    expect(posts.length).toBeGreaterThanOrEqual(3); // initialize, notifications/initialized, tools/call
    for (const post of posts) expect(post.headers).toMatchObject({ 'x-api-key': 'key-7f3a9c', 'x-tenant': 'acme' });
    expect(JSON.stringify(server.requests)).not.toContain(headers['X-Api-Key']); // the sealed form never leaves
  });

  it('ends an idle session downstream with a DELETE that carries the credentials', async () => {
    const short = await startHarness({ idleTtlMs: 200 });
    try {
      const headers = short.seal('Recorder', { 'X-Api-Key': 'key-for-delete' });
      await short.call(key('Recorder', 'dora'), http(server.url, headers), 'whoami');
      const sessionId = short.service.list().sessions[0]!.downstreamSessionId;
      const deleted = await eventually('a DELETE for the idle session', () => server.requests.find((r) => r.method === 'DELETE' && r.headers['mcp-session-id'] === sessionId), 5_000);
      expect(deleted.headers['x-api-key']).toBe('key-for-delete');
    } finally {
      await short.close();
    }
  });

  it('sends sealed headers on the legacy SSE event stream and on its POSTs', async () => {
    const headers = harness.seal('LegacySse', { Authorization: 'Bearer downstream-token-42' });
    const connection: GatewayTransport = { type: 'sse', url: server.sseUrl, headers };
    const result = await harness.call(key('LegacySse'), connection, 'whoami');
    expect(text(result)).toBe('hello from the recording server');
    const stream = server.requests.filter((r) => r.path === '/sse');
    const posts = server.requests.filter((r) => r.path === '/messages');
    expect(stream).toHaveLength(1);
    expect(posts.length).toBeGreaterThanOrEqual(3);
    for (const request of [...stream, ...posts]) expect(request.headers.authorization).toBe('Bearer downstream-token-42');
  });

  it('refuses a value sealed for another gateway, without revealing it', async () => {
    const stolen = harness.seal('OtherGateway', { 'X-Api-Key': 'other-gateways-key' });
    const before = server.requests.length;
    const failure = await harness.call(key('Recorder', 'mallory'), http(server.url, stolen), 'whoami').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', message: 'Downstream gateway endpoint not available: Recorder' });
    expect(server.requests.length).toBe(before); // nothing was sent with a value it could not open
    expect(harness.logs.join('\n')).toContain('cannot be opened');
    expect(harness.logs.join('\n')).not.toContain('other-gateways-key');
  });

  it('opens a sealed environment for a stdio server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pgw-session-'));
    const memoryFile = join(dir, 'memory.jsonl');
    const connection: GatewayTransport = { type: 'stdio', command: process.execPath, args: [MEMORY], env: harness.seal('Memory', { MEMORY_FILE_PATH: memoryFile }) };
    const entities = [{ name: 'gateway', entityType: 'software', observations: ['stores sealed secrets'] }];
    await harness.call(key('Memory'), connection, 'create_entities', { entities });
    await expect(readFile(memoryFile, 'utf8')).resolves.toContain('stores sealed secrets');
  });
});
