// Embedded restart: `persona-gateway start` on an existing data directory, until /health/ready answers.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';

const ROOT = new URL('..', import.meta.url).pathname;

async function startAndWait(dataDir, port) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(ROOT, 'host/dist/main.js'), 'start'], { env: { ...process.env, DATA_DIR: dataDir, PORT: String(port) }, stdio: 'ignore' });
  for (;;) {
    if (child.exitCode !== null) throw new Error('gateway exited during start');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).ok) break;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return ms;
}

export async function run(report) {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-bench-restart-'));
  await chmod(dir, 0o711);
  try {
    const port = await freePort();
    const first = await startAndWait(join(dir, 'data'), port);
    report('embedded: first start (initdb, migrations) to ready', `${Math.round(first)} ms`, 'for reference');
    const restarts = [];
    for (let i = 0; i < 5; i++) restarts.push(await startAndWait(join(dir, 'data'), port));
    restarts.sort((a, b) => a - b);
    report('embedded: restart on existing data to ready (median of 5)', `${Math.round(restarts[2])} ms (max ${Math.round(restarts[4])} ms)`, '<= 3,000 ms');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
