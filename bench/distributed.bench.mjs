// A tools/call through a persona in distributed mode: nats-server, one process per
// service, the call crossing NATS edge -> router -> session; compared with the direct call.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBenchClient } from './fixtures/bench-client.mjs';
import { latencyRounds } from './fixtures/rounds.mjs';
import { freePort, startEmbeddedPostgres } from '@persona-gateway/eventstore';
import { startNatsServer } from '@persona-gateway/testing';

const ROOT = new URL('..', import.meta.url).pathname;
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const SERVICES = ['edge', 'registry', 'auth', 'session', 'router', 'router'];

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

/** Until every role of the thin forwarder is subscribed: a request gets through to the downstream (which refuses it: no session). */
async function reachesDownstream(url) {
  for (let i = 0; i < 100; i++) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: '{"jsonrpc":"2.0","id":0,"method":"ping"}' });
    await response.text();
    if (response.status !== 503) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} never reached the downstream`);
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Calls each side makes before anything is measured: the steady state counts (see personas.bench.mjs). */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3_000);

/** Mean request round trip per subject, from a process's /metrics (the bus records every request it sends). */
async function busMeans(port, subjects) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (kind, subject) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`pgw_bus_request_duration_${kind}{subject="${subject}",outcome="ok"`))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return Object.fromEntries(subjects.map((subject) => [subject, { seconds: sum('sum', subject), count: sum('count', subject) }]));
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
    // The floor: the same topology with nothing but the hops (bench/fixtures/thin-distributed.mjs), in the same rounds.
    const thinPort = await freePort();
    const thin = join(ROOT, 'bench/fixtures/thin-distributed.mjs');
    const thinEnv = { ...process.env, NATS_URL: nats.url, TARGET: `http://127.0.0.1:${echoPort}/mcp` };
    for (const role of ['session', 'router', 'router']) children.push(spawn(process.execPath, [thin], { env: { ...thinEnv, ROLE: role }, stdio: 'ignore' }));
    children.push(spawn(process.execPath, [thin], { env: { ...thinEnv, ROLE: 'edge', PORT: String(thinPort) }, stdio: 'ignore' }));
    await waitFor(`http://127.0.0.1:${thinPort}/mcp`);
    await reachesDownstream(`http://127.0.0.1:${thinPort}/mcp`);
    const clients = await Promise.all([`http://127.0.0.1:${echoPort}/mcp`, `${base}/personas/bench/mcp`, `http://127.0.0.1:${thinPort}/mcp`].map((url) => connectBenchClient(url)));
    const [direct, persona, floor] = await latencyRounds(
      [{ client: clients[0], name: 'echo' }, { client: clients[1], name: 'Echo_echo' }, { client: clients[2], name: 'echo' }],
      { calls: CALLS, rounds: ROUNDS, warmup: WARMUP },
    );
    await Promise.all(clients.map((client) => client.close()));
    report(
      `tools/call p50 at concurrency 1: direct | through a persona (distributed: NATS, 2 routers), ${ROUNDS} rounds`,
      `${direct.p50.toFixed(2)} ms | ${persona.p50.toFixed(2)} ms (adds ${persona.over(0).toFixed(2)} ms, median of the rounds)`,
      'adds <= 1.5 ms',
    );
    report(
      'for scale, the thinnest forwarder with the same topology (bench/fixtures/thin-distributed.mjs: node:http, NATS to one of 2 routers, NATS to a session process, undici; nothing else), same rounds: adds | the persona over it',
      `${floor.over(0).toFixed(2)} ms | ${persona.over(2).toFixed(2)} ms`,
      'for reference',
    );
    // Where the time goes: the edge's wait for a router, and the routers' wait for the session service (which includes the downstream call).
    const edge = await busMeans(ports[0], ['router.tools.call.v1']);
    const routers = await Promise.all(SERVICES.flatMap((service, i) => (service === 'router' ? [busMeans(ports[i], ['session.tools.call.v1'])] : [])));
    const toSession = routers.reduce((total, r) => ({ seconds: total.seconds + r['session.tools.call.v1'].seconds, count: total.count + r['session.tools.call.v1'].count }), { seconds: 0, count: 0 });
    const mean = ({ seconds, count }) => (count === 0 ? NaN : (seconds * 1000) / count);
    report(
      'distributed tools/call by layer (means): edge waits for a router | a router waits for the session service (includes the downstream call)',
      `${mean(edge['router.tools.call.v1']).toFixed(2)} ms | ${mean(toSession).toFixed(2)} ms`,
      'for reference',
    );
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await nats.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
