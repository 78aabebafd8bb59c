import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { eventually, startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { adminApi, CLI, EVERYTHING, startDownstream, tempDataDir } from './helpers.js';
import { connectClient } from './persona-scenario.js';

interface CallEvent {
  streamId: string;
  type: string;
  recordedAt: string;
  data: { persona: string; tool: string; callId: string; startedAt: string; outcome: string };
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('call events survive a crash of the gateway (embedded, SDK client)', () => {
  let everything: ManagedProcess;
  const gateways: ManagedProcess[] = [];

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop('SIGTERM')));
    await everything?.stop('SIGTERM');
  }, 60_000);

  it('ships, on the next start, every call answered before a SIGKILL, exactly once', async () => {
    const dataDir = await tempDataDir();
    const journalDir = join(dataDir, 'call-journal');
    const port = await freePort();
    const everythingPort = await freePort();
    const base = `http://127.0.0.1:${port}`;
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    const start = (env: Record<string, string> = {}) => {
      const gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: { DATA_DIR: dataDir, PORT: String(port), ...env } });
      gateways.push(gateway);
      return gateway;
    };
    const callEvents = async (api: ReturnType<typeof adminApi>) => {
      const { body } = await api('GET', '/events?limit=10000');
      return (body.events as CallEvent[]).filter((event) => event.type.startsWith('ToolCall') && event.data.persona === 'crash');
    };

    // Nothing ships on its own before the kill: only the journal can bring these events back.
    const first = start({ CALL_JOURNAL_FLUSH_MS: '3600000' });
    await waitForHttpOk(`${base}/health/ready`, { process: first, timeoutMs: 90_000 });
    const api = adminApi(base, (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim());
    expect((await api('POST', '/gateways', { name: 'Everything', transport: { type: 'streamable-http', url: `http://127.0.0.1:${everythingPort}/mcp` } })).status).toBe(201);
    expect((await api('POST', '/personas', { slug: 'crash', name: 'Crash', open: true, tools: [{ gateway: 'Everything', tool: 'echo' }], deploy: true })).status).toBe(201);

    const client = await connectClient(base, 'crash', undefined);
    for (let i = 1; i <= 5; i++) {
      expect(JSON.stringify((await client.callTool({ name: 'Everything_echo', arguments: { message: `call ${i}` } })).content)).toContain(`call ${i}`);
    }
    await expect(client.callTool({ name: 'Everything_nothing', arguments: {} })).rejects.toThrow('Unknown tool: Everything_nothing');
    expect(await callEvents(api)).toEqual([]);
    const postmaster = Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' });
    await client.close().catch(() => undefined);
    // The whole process group died, PostgreSQL with it; it may take a moment to be gone.
    await eventually('the killed PostgreSQL to be gone', () => !running(postmaster), 15_000);
    const [leftover] = await readdir(journalDir);
    expect((await readFile(join(journalDir, leftover!), 'utf8')).trimEnd().split('\n')).toHaveLength(1 + 6); // header + one line per call

    // Recovery runs before the router takes calls, so ready means shipped.
    const second = start();
    await waitForHttpOk(`${base}/health/ready`, { process: second, timeoutMs: 90_000 });
    const recovered = await callEvents(api);
    expect(recovered.map((event) => [event.type, event.data.tool, event.data.outcome])).toEqual([
      ...Array.from({ length: 5 }, () => ['ToolCallCompleted', 'Everything_echo', 'ok']),
      ['ToolCallFailed', 'Everything_nothing', 'UNKNOWN_TOOL'],
    ]);
    expect(new Set(recovered.map((event) => event.data.callId)).size).toBe(6);
    expect(new Set(recovered.map((event) => event.streamId)).size).toBe(1);
    for (const event of recovered) expect(Date.parse(event.data.startedAt)).toBeLessThanOrEqual(Date.parse(event.recordedAt));
    expect(second.output()).toContain('recovered 6 events left by an earlier process (0 were already stored) from 1 files');
    expect(await readdir(journalDir)).not.toContain(leftover);

    // A graceful stop ships what is pending and leaves no journal file behind.
    const again = await connectClient(base, 'crash', undefined);
    await again.callTool({ name: 'Everything_echo', arguments: { message: 'after restart' } });
    await again.close().catch(() => undefined);
    await second.stop('SIGTERM');
    await eventually('the database to stop', () => !existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 15_000);
    expect(await readdir(journalDir)).toEqual([]);
    const listed = spawnSync(process.execPath, [CLI, 'events', '--type', 'ToolCallCompleted', '--json'], { env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
    expect(listed.status).toBe(0);
    const completed = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as CallEvent).filter((event) => event.data.persona === 'crash');
    expect(completed).toHaveLength(6);
    expect(new Set(completed.map((event) => event.data.callId)).size).toBe(6);
  }, 240_000);
});
