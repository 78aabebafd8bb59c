// A tools/call through a persona vs. the same call made directly, side by side; and
// tools/list of a persona with 1,000 tools from 50 gateways.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBenchClient } from './fixtures/bench-client.mjs';
import { freePort } from '@persona-gateway/eventstore';

const ROOT = new URL('..', import.meta.url).pathname;
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5_000);
/**
 * Direct and through-a-persona runs alternate in this many rounds, each a share of the
 * calls or the time: the machine's speed drifts (a shared 2-core VM), and alternating
 * gives both sides the same conditions. Figures are over all rounds.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/**
 * Calls each side makes before anything is measured. A gateway runs for days: what counts
 * is its steady state, once V8 has optimised the path of a call, which takes a few thousand
 * calls (measured: the gateway's own time per call still falls for the first 2,000 or so).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3_000);

function start(args, env) {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  return { child, stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))) };
}

async function waitFor(url) {
  for (let i = 0; i < 600; i++) {
    try {
      const response = await fetch(url, { method: 'GET' });
      if (response.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU milliseconds a process has used so far (Linux: /proc/<pid>/stat, user + system). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * (1000 / 100);
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Sequential calls, `calls` of them, adding their latencies to `samples`. */
async function sampleLatency(c, name, calls, samples) {
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await c.callTool({ name, arguments: { text: `call ${i}` } });
    samples.push(performance.now() - t);
  }
}

/** p50 and p99 of each side over ROUNDS alternating rounds, and the median of the rounds' p50 differences. */
async function pairedLatency(a, b) {
  for (const side of [a, b]) for (let i = 0; i < WARMUP; i++) await side.client.callTool({ name: side.name, arguments: { text: 'warm' } });
  const all = [[], []];
  const differences = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rounds = [[], []];
    for (const [i, side] of [a, b].entries()) await sampleLatency(side.client, side.name, Math.ceil(CALLS / ROUNDS), rounds[i]);
    differences.push(median(rounds[1]) - median(rounds[0]));
    all[0].push(...rounds[0]);
    all[1].push(...rounds[1]);
  }
  const [sa, sb] = all.map((samples) => samples.sort((x, y) => x - y));
  return { a: { p50: percentile(sa, 50), p99: percentile(sa, 99) }, b: { p50: percentile(sb, 50), p99: percentile(sb, 99) }, added: median(differences) };
}

async function throughput(c, name, concurrency, pids = {}, ms = THROUGHPUT_MS) {
  let done = 0;
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid)]));
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        await c.callTool({ name, arguments: { text: 'x' } });
        done += 1;
      }
    }),
  );
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMs(pid) - before[k]]));
  return { done, cpu };
}

/** Calls/s of each side over ROUNDS alternating windows, the median of the rounds' ratios, and CPU per call. */
async function pairedThroughput(a, b, concurrency) {
  const ms = THROUGHPUT_MS / ROUNDS;
  const totals = [a, b].map(() => ({ done: 0, cpu: {} }));
  const ratios = [];
  for (let round = 0; round < ROUNDS; round++) {
    const results = [];
    for (const [i, side] of [a, b].entries()) {
      const result = await throughput(side.client, side.name, concurrency, side.pids, ms);
      results.push(result);
      totals[i].done += result.done;
      for (const [k, v] of Object.entries(result.cpu)) totals[i].cpu[k] = (totals[i].cpu[k] ?? 0) + v;
    }
    ratios.push(results[1].done / results[0].done);
  }
  const summary = (t) => ({ rate: t.done / (THROUGHPUT_MS / 1000), cpuPerCall: Object.fromEntries(Object.entries(t.cpu).map(([k, v]) => [k, (v * 1000) / t.done])) });
  return { a: summary(totals[0]), b: summary(totals[1]), ratio: median(ratios) };
}

export async function run(report) {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-bench-personas-'));
  await chmod(dir, 0o711);
  const echoPort = await freePort();
  const manyPort = await freePort();
  const gatewayPort = await freePort();
  const echo = start([join(ROOT, 'bench/fixtures/echo-server.mjs')], { PORT: String(echoPort) });
  const many = start([join(ROOT, 'bench/fixtures/echo-server.mjs')], { PORT: String(manyPort), TOOLS: '20' });
  const thinPort = await freePort();
  const thin = start([join(ROOT, 'bench/fixtures/thin-proxy.mjs')], { PORT: String(thinPort), TARGET: `http://127.0.0.1:${echoPort}/mcp` });
  const gateway = start([...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), join(ROOT, 'host/dist/main.js'), 'start', '--no-demo'], { PORT: String(gatewayPort), DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn' });
  const base = `http://127.0.0.1:${gatewayPort}`;
  try {
    await waitFor(`${base}/health/ready`);
    await waitFor(`http://127.0.0.1:${echoPort}/mcp`);
    await waitFor(`http://127.0.0.1:${manyPort}/mcp`);
    await waitFor(`http://127.0.0.1:${thinPort}/mcp`);
    const token = (await readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
    const admin = (path, body) =>
      fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => {
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return r.json();
      });
    await admin('/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `http://127.0.0.1:${echoPort}/mcp` } });
    await admin('/personas', { slug: 'bench', name: 'Bench', open: true, tools: [{ gateway: 'Echo', tool: 'echo' }], deploy: true });

    const direct = await connectBenchClient(`http://127.0.0.1:${echoPort}/mcp`);
    const persona = await connectBenchClient(`${base}/personas/bench/mcp`);
    const directSide = { client: direct, name: 'echo', pids: { server: echo.child.pid } };
    const personaSide = { client: persona, name: 'Echo_echo', pids: { server: echo.child.pid, gateway: gateway.child.pid } };
    const { a: d, b: p, added } = await pairedLatency(directSide, personaSide);
    report(
      `tools/call p50 at concurrency 1: direct | through a persona (embedded), ${ROUNDS} alternating rounds`,
      `${d.p50.toFixed(2)} ms | ${p.p50.toFixed(2)} ms (adds ${added.toFixed(2)} ms, median of the rounds; p99 ${d.p99.toFixed(2)} | ${p.p99.toFixed(2)})`,
      'adds <= 0.5 ms',
    );
    const { a: { rate: dt, cpuPerCall: dc }, b: { rate: pt, cpuPerCall: pc }, ratio } = await pairedThroughput(directSide, personaSide, 32);
    report(`tools/call throughput at concurrency 32: direct | through a persona (embedded), ${ROUNDS} alternating rounds`, `${Math.round(dt)} | ${Math.round(pt)} calls/s (${ratio.toFixed(2)}x, median of the rounds)`, '>= 0.8x direct');
    // The floor: what the thinnest possible forwarder costs on this machine, measured the same way.
    const thinClient = await connectBenchClient(`http://127.0.0.1:${thinPort}/mcp`);
    const thinSide = { client: thinClient, name: 'echo', pids: { server: echo.child.pid, proxy: thin.child.pid } };
    const { added: thinAdded } = await pairedLatency(directSide, thinSide);
    const { b: { cpuPerCall: tc }, ratio: thinRatio } = await pairedThroughput(directSide, thinSide, 32);
    await thinClient.close();
    report(
      'for scale, the thinnest forwarder (bench/fixtures/thin-proxy.mjs: node:http in, undici out, nothing else): adds at concurrency 1 | throughput | its CPU per call',
      `${thinAdded.toFixed(2)} ms | ${thinRatio.toFixed(2)}x | ${Math.round(tc.proxy)} µs`,
      'for reference',
    );
    report('CPU per call at concurrency 32 (echo server | gateway process, PostgreSQL not counted)', `${Math.round(dc.server)} µs direct, ${Math.round(pc.server)} µs through a persona | ${Math.round(pc.gateway)} µs`, 'for reference');
    await direct.close();
    await persona.close();

    // 50 gateways x 20 tools, all selected: 1,000 tools in one persona.
    const selected = [];
    for (let g = 1; g <= 50; g++) {
      await admin('/gateways', { name: `G${g}`, transport: { type: 'streamable-http', url: `http://127.0.0.1:${manyPort}/mcp` } });
      selected.push({ gateway: `G${g}`, tool: 'echo' }, ...Array.from({ length: 19 }, (_, i) => ({ gateway: `G${g}`, tool: `tool-${i + 1}` })));
    }
    await admin('/personas', { slug: 'big', name: 'Big', open: true, tools: selected, deploy: true });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const init = await fetch(`${base}/personas/big/mcp`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
    });
    const session = init.headers.get('mcp-session-id');
    await init.text();
    const listHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const samples = [];
    let size = 0;
    for (let i = 0; i < 1_200; i++) {
      const t = performance.now();
      const response = await fetch(`${base}/personas/big/mcp`, { method: 'POST', headers: listHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/list' }) });
      const text = await response.text();
      if (i >= 200) samples.push(performance.now() - t);
      size = text.length;
    }
    const tools = JSON.parse((await (await fetch(`${base}/personas/big/mcp`, { method: 'POST', headers: listHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: 'n', method: 'tools/list' }) })).text())).result.tools.length;
    samples.sort((a, b) => a - b);
    report(`tools/list, ${tools} tools from 50 gateways (${Math.round(size / 1024)} KB), HTTP round trip`, `p50 ${percentile(samples, 50).toFixed(2)} ms, p99 ${percentile(samples, 99).toFixed(2)} ms`, 'p50 <= 2 ms, no downstream round trip');
  } finally {
    await Promise.all([gateway.stop(), echo.stop(), many.stop(), thin.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
