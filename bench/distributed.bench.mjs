// A tools/call through a persona in distributed mode: nats-server, one process per
// service, the call crossing NATS edge -> router -> session; compared with the direct call.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort, startEmbeddedPostgres } from '@persona-gateway/eventstore';
import { startNatsServer } from '@persona-gateway/testing';

const ROOT = new URL('..', import.meta.url).pathname;
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const SERVICES = ['edge', 'registry', 'auth', 'session', 'router', 'router'];

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function waitFor(url) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up`);
}

async function p50(url, name) {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  for (let i = 0; i < 200; i++) await client.callTool({ name, arguments: { text: 'warm' } });
  const samples = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await client.callTool({ name, arguments: { text: `call ${i}` } });
    samples.push(performance.now() - t);
  }
  await client.close();
  samples.sort((a, b) => a - b);
  return percentile(samples, 50);
}

export async function run(report) {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-bench-dist-'));
  await chmod(dir, 0o711);
  const postgres = await startEmbeddedPostgres(join(dir, 'pg'));
  const nats = await startNatsServer(join(dir, 'nats'));
  const echoPort = await freePort();
  const children = [spawn(process.execPath, [join(ROOT, 'bench/fixtures/echo-server.mjs')], { env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' })];
  const env = { ...process.env, DATABASE_URL: postgres.url, NATS_URL: nats.url, ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'warn' };
  const ports = [];
  try {
    for (const service of SERVICES) {
      const port = await freePort();
      ports.push(port);
      children.push(spawn(process.execPath, [join(ROOT, `services/${service}/dist/main.js`)], { env: { ...env, PORT: String(port), DATA_DIR: join(dir, `${service}-${port}`) }, stdio: 'ignore' }));
    }
    await Promise.all(ports.map((port) => waitFor(`http://127.0.0.1:${port}/health/ready`)));
    await waitFor(`http://127.0.0.1:${echoPort}/mcp`);
    const token = spawnSync(process.execPath, [join(ROOT, 'host/dist/main.js'), 'admin-token', 'create'], { env, encoding: 'utf8' }).stdout.trim();
    const base = `http://127.0.0.1:${ports[0]}`;
    const admin = (path, body) =>
      fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      });
    await admin('/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `http://127.0.0.1:${echoPort}/mcp` } });
    await admin('/personas', { slug: 'bench', name: 'Bench', open: true, tools: [{ gateway: 'Echo', tool: 'echo' }], deploy: true });
    const direct = await p50(`http://127.0.0.1:${echoPort}/mcp`, 'echo');
    const persona = await p50(`${base}/personas/bench/mcp`, 'Echo_echo');
    report('tools/call p50 at concurrency 1: direct | through a persona (distributed: NATS, 2 routers)', `${direct.toFixed(2)} ms | ${persona.toFixed(2)} ms (adds ${(persona - direct).toFixed(2)} ms)`, 'adds <= 1.5 ms');
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await nats.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
