import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort } from '@persona-gateway/eventstore';
import { startEverything, type RunningServer } from './support/downstreams.js';
import { http, key, startHarness, text, type Harness } from './support/harness.js';

const CONNECT_TIMEOUT_MS = 800;
const unavailable = (gateway: string) => ({ code: 'UNAVAILABLE', message: `Downstream gateway endpoint not available: ${gateway}` });

/** Accepts TCP connections and never answers: a hung server, or a firewall that swallows packets. */
async function startBlackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function timed<T>(work: Promise<T>): Promise<{ outcome: unknown; ms: number }> {
  const started = Date.now();
  const outcome = await work.then(
    (value) => value,
    (error: unknown) => error,
  );
  return { outcome, ms: Date.now() - started };
}

describe('an unavailable downstream', () => {
  let healthy: RunningServer;
  let harness: Harness;

  beforeAll(async () => {
    healthy = await startEverything('streamableHttp');
  });
  afterAll(async () => {
    await healthy?.stop();
  });
  beforeEach(async () => {
    harness = await startHarness({ connectTimeoutMs: CONNECT_TIMEOUT_MS });
  });
  afterEach(async () => {
    await harness.close();
  });

  it('fails fast, naming only the gateway, while another gateway keeps working', async () => {
    const doomed = await startEverything('streamableHttp');
    const secretHeaders = harness.seal('Doomed', { 'X-Api-Key': 'never-in-an-error-123' });
    await harness.call(key('Doomed'), http(doomed.url, secretHeaders), 'echo', { message: 'while it lives' });
    await doomed.stop();

    // The open session breaks, then a fresh connect is refused: both fail the same way, quickly.
    for (let attempt = 0; attempt < 2; attempt++) {
      const { outcome, ms } = await timed(harness.call(key('Doomed'), http(doomed.url, secretHeaders), 'echo', { message: 'anyone there?' }));
      expect(outcome).toMatchObject(unavailable('Doomed'));
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000);
    }
    expect(harness.service.list().sessions.map((s) => s.key.gateway)).toEqual([]);
    expect(harness.logs.join('\n')).not.toContain('never-in-an-error-123');

    const other = await harness.call(key('Healthy'), http(healthy.url), 'echo', { message: 'still here' });
    expect(text(other)).toBe('Echo: still here');
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    const hole = await startBlackHole();
    try {
      const { outcome, ms } = await timed(harness.call(key('Hung'), http(hole.url), 'echo', { message: 'hello?' }));
      expect(outcome).toMatchObject(unavailable('Hung'));
      expect(ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 2_000);
      expect(harness.service.list()).toMatchObject({ openedTotal: 0, sessions: [] });
    } finally {
      await hole.close();
    }
  });

  it('gives up on a stdio server that never answers, without waiting for it to stop, and still stops it', async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), 'pgw-hung-')), 'pid');
    const connection = {
      type: 'stdio' as const,
      command: process.execPath,
      // Reads stdin but never answers, shrugs off its end and SIGTERM: only SIGKILL stops it.
      args: ['-e', "require('fs').writeFileSync(process.env.PID_FILE, String(process.pid)); process.stdin.resume(); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"],
      env: harness.seal('Silent', { PID_FILE: pidFile }),
    };
    const { outcome, ms } = await timed(harness.call(key('Silent'), connection, 'anything', {}));
    expect(outcome).toMatchObject(unavailable('Silent'));
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000); // not held up by stopping the process
    const pid = Number(await readFile(pidFile, 'utf8'));
    const stopping = Date.now();
    await harness.close(); // waits for clean-ups still running in the background
    expect(Date.now() - stopping).toBeGreaterThan(1_000); // the stop really was slow: it ran after the failure was reported
    harness = await startHarness();
    // Gone, or at most a zombie: exited and never waited for.
    const gone = await readFile(`/proc/${pid}/stat`, 'utf8').then((stat) => ['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!), () => true);
    expect(gone).toBe(true);
  });

  it('reports a port nobody listens on, and an unknown host, as unavailable', async () => {
    const closedPort = await freePort();
    await expect(harness.call(key('Nobody'), http(`http://127.0.0.1:${closedPort}/mcp`), 'echo', {})).rejects.toMatchObject(unavailable('Nobody'));
    const { outcome, ms } = await timed(harness.call(key('NoDns'), http('http://mcp.does-not-exist.invalid/mcp'), 'echo', {}));
    expect(outcome).toMatchObject(unavailable('NoDns'));
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000);
  });

  it('reports a stdio server that dies at start as unavailable, keeping its last words for the log', async () => {
    const connection = {
      type: 'stdio' as const,
      command: process.execPath,
      args: ['-e', "console.error('fatal: cannot read config with token ' + process.env.TOKEN); process.exit(3)"],
      env: harness.seal('Crashy', { TOKEN: 'tok-never-logged' }),
    };
    const { outcome, ms } = await timed(harness.call(key('Crashy'), connection, 'anything', {}));
    expect(outcome).toMatchObject(unavailable('Crashy'));
    expect(ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000);
    const log = harness.logs.join('\n');
    expect(log).toContain('fatal: cannot read config with token ***');
    expect(log).not.toContain('tok-never-logged');
    await expect(harness.call(key('Crashy'), { ...connection, command: '/nonexistent/mcp-server' }, 'anything', {})).rejects.toMatchObject(unavailable('Crashy'));
  });
});
