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

const ROOT = '/work/main/';
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const SERVICES = (process.env.SERVICES ?? 'edge,registry,auth,session,router,router').split(',');

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
  const collectorPort = await freePort();
  const collector = spawn(process.execPath, [join(ROOT, 'bench/_collector.mjs')], { env: { ...process.env, PORT: String(collectorPort) }, stdio: 'inherit' });
  const env = { ...process.env, ...(process.env.TRACE ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}` } : {}), DATABASE_URL: postgres.url, NATS_URL: nats.url, ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'), LOG_LEVEL: 'warn' };
  const ports = [];
  try {
    for (const service of SERVICES) {
      const port = await freePort();
      ports.push(port);
      children.push(spawn(process.execPath, [...(process.env.PROF_SERVICE === service ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), join(ROOT, `services/${service}/dist/main.js`)], { env: { ...env, PORT: String(port), DATA_DIR: join(dir, `${service}-${port}`) }, stdio: 'ignore' }));
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
    for (const port of ports) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      for (const line of text.split('\n')) if (/pgw_bus_request_duration_(sum|count|bucket)/.test(line) && /tools.call/.test(line)) console.error(port, line);
    }
    {
      const { NatsBus } = await import('/work/main/libs/bus/dist/index.js');
      const { RouterCallV1, SessionCallV1 } = await import('/work/main/libs/contracts/dist/index.js');
      const bus = await NatsBus.connect({ servers: nats.url, name: 'probe' });
      const lat = async (f, n = 1000) => { for (let i = 0; i < 200; i++) await f(); const s = []; for (let i = 0; i < n; i++) { const t = performance.now(); await f(); s.push(performance.now() - t); } s.sort((x, y) => x - y); return s[n >> 1].toFixed(3); };
      const principal = { id: 'open', kind: 'anonymous' };
      let tracer;
      if (process.env.STRACE) { const routerPid = children[1 + SERVICES.indexOf('router')].pid; tracer = spawn('strace', ['-f', '-tt', '-e', 'trace=epoll_wait,epoll_pwait,read,write,writev,futex', '-p', String(routerPid), '-o', '/tmp/exp/strace.txt'], { stdio: 'ignore' }); await new Promise((r) => setTimeout(r, 1000)); }
      console.error('router.tools.call.v1 direct on NATS p50', await lat(() => bus.request(RouterCallV1, { persona: 'bench', name: 'Echo_echo', arguments: { text: 'x' }, principal, callId: crypto.randomUUID() })));
      if (tracer) { tracer.kill('SIGINT'); await new Promise((r) => setTimeout(r, 500)); }
      console.error('session.tools.call.v1 direct on NATS p50', await lat(() => bus.request(SessionCallV1, { key: { persona: 'bench', gateway: 'Echo', principal: 'open' }, connection: { type: 'streamable-http', url: `http://127.0.0.1:${echoPort}/mcp`, headers: {} }, tool: 'echo', arguments: { text: 'x' }, callId: crypto.randomUUID(), timeoutMs: 30000 })));
      await bus.close();
      const http = await import('node:http');
      const agent = new http.Agent({ keepAlive: true });
      const post = (headers, body) => new Promise((resolve, reject) => { const req = http.request({ host: '127.0.0.1', port: ports[0], path: '/personas/bench/mcp', method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => { const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() })); }); req.on('error', reject); req.end(body); });
      const init = await post({}, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }));
      const h = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': '2025-11-25' };
      let seq = 1;
      console.error('edge ping raw http p50', await lat(() => post(h, JSON.stringify({ jsonrpc: '2.0', id: ++seq, method: 'ping' }))));
      if (process.env.GETSTREAM) { const g = http.request({ host: '127.0.0.1', port: ports[0], path: '/personas/bench/mcp', method: 'GET', headers: { accept: 'text/event-stream', ...h } }, (res) => { res.on('data', () => {}); console.error('GET', res.statusCode); }); g.end(); await new Promise((r) => setTimeout(r, 300)); }
      console.error('edge tools/call raw http p50', await lat(() => post(h, JSON.stringify({ jsonrpc: '2.0', id: ++seq, method: 'tools/call', params: { name: 'Echo_echo', arguments: { text: 'x' } } }))));
      agent.destroy();
    }
    report('tools/call p50 at concurrency 1: direct | through a persona (distributed: NATS, 2 routers)', `${direct.toFixed(2)} ms | ${persona.toFixed(2)} ms (adds ${(persona - direct).toFixed(2)} ms)`, 'adds <= 1.5 ms');
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode !== null ? undefined : new Promise((resolve) => child.once('exit', resolve)))));
    await new Promise((r) => setTimeout(r, 500));
    collector.kill('SIGTERM'); await new Promise((r) => collector.once('exit', r));
    await nats.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
