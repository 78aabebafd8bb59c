import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayTransport } from '@persona-gateway/contracts';
import { eventually } from '@persona-gateway/testing';
import { fixture, MEMORY } from './support/downstreams.js';
import { key, startHarness, type Harness } from './support/harness.js';

type Pids = { wrapper: number; server: number; helper: number };

/** Running, as the kernel sees it (a zombie has exited; it only waits to be reaped by its parent). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

const alive = async (pids: Pids) => (await Promise.all(Object.values(pids).map(running))).filter(Boolean).length;

/** server-memory behind an npx-like wrapper that also leaves a SIGTERM-ignoring grandchild. */
async function wrappedMemory(harness: Harness): Promise<{ connection: GatewayTransport; pids: () => Promise<Pids> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-reap-'));
  const pidsFile = join(dir, 'pids.json');
  const env = harness.seal('Memory', { PIDS_FILE: pidsFile, MEMORY_FILE_PATH: join(dir, 'memory.jsonl') });
  return {
    connection: { type: 'stdio', command: process.execPath, args: [fixture('npx-like.cjs'), MEMORY], env },
    pids: async () => JSON.parse(await readFile(pidsFile, 'utf8')) as Pids,
  };
}

describe('stdio process trees', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('leaves no process behind when a session closes after its idle TTL', async () => {
    harness = await startHarness({ idleTtlMs: 300, processGraceMs: 300 });
    const memory = await wrappedMemory(harness);
    await harness.call(key('Memory'), memory.connection, 'read_graph', {});
    const pids = await memory.pids();
    expect(await alive(pids)).toBe(3);
    await eventually('the idle session to close', () => harness!.service.list().sessions.length === 0, 5_000);
    await eventually('every process of the tree to be gone', async () => (await alive(pids)) === 0, 10_000);
  });

  it('reaps every tree when the service shuts down', async () => {
    harness = await startHarness({ processGraceMs: 300 });
    const memory = await wrappedMemory(harness);
    await harness.call(key('Memory'), memory.connection, 'read_graph', {});
    const pids = await memory.pids();
    expect(await alive(pids)).toBe(3);
    await harness.close();
    harness = undefined;
    expect(await alive(pids)).toBe(0); // close() resolves only once the tree is gone
  });

  it('reaps the orphans of a server that exits by itself, and reconnects on the next call', async () => {
    harness = await startHarness({ processGraceMs: 300 });
    const memory = await wrappedMemory(harness);
    await harness.call(key('Memory'), memory.connection, 'read_graph', {});
    const first = await memory.pids();
    process.kill(first.server, 'SIGKILL'); // the wrapper follows it out, abandoning the helper
    await eventually('the broken session to leave the table', () => harness!.service.list().sessions.length === 0, 5_000);
    await eventually('the orphaned helper to be reaped', async () => (await alive(first)) === 0, 10_000);
    await expect(harness.call(key('Memory'), memory.connection, 'read_graph', {})).resolves.toMatchObject({ content: expect.any(Array) });
    expect(harness.service.list().openedTotal).toBe(2);
  });
});
