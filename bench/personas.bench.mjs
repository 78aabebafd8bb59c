// A tools/call through a persona vs. the same call made directly, side by side; and
// tools/list of a persona with 1,000 tools from 50 gateways.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBenchClient } from './fixtures/bench-client.mjs';
import { latencyRounds, percentile, throughputRounds } from './fixtures/rounds.mjs';
import { freePort } from '@persona-gateway/eventstore';

const ROOT = new URL('..', import.meta.url).pathname;
const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5_000);
/**
 * Direct, through-a-persona and thinnest-forwarder runs take turns in this many rounds, each
 * a share of the calls or the time: the machine's speed drifts (a shared 2-core VM), and
 * taking turns gives every side the same conditions (see fixtures/rounds.mjs).
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
  let floor;
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
    // The floor: what the thinnest possible forwarder costs on this machine, in the same rounds.
    const thinClient = await connectBenchClient(`http://127.0.0.1:${thinPort}/mcp`);
    const sides = [
      { client: direct, name: 'echo', pids: { server: echo.child.pid } },
      { client: persona, name: 'Echo_echo', pids: { server: echo.child.pid, gateway: gateway.child.pid } },
      { client: thinClient, name: 'echo', pids: { server: echo.child.pid, proxy: thin.child.pid } },
    ];
    const [d, p, t] = await latencyRounds(sides, { calls: CALLS, rounds: ROUNDS, warmup: WARMUP });
    report(
      `tools/call p50 at concurrency 1: direct | through a persona (embedded), ${ROUNDS} rounds`,
      `${d.p50.toFixed(2)} ms | ${p.p50.toFixed(2)} ms (adds ${p.over(0).toFixed(2)} ms, median of the rounds; p99 ${d.p99.toFixed(2)} | ${p.p99.toFixed(2)})`,
      'adds <= 0.5 ms',
    );
    const [dt, pt, tt] = await throughputRounds(sides, { concurrency: 32, ms: THROUGHPUT_MS / ROUNDS, rounds: ROUNDS });
    report(`tools/call throughput at concurrency 32: direct | through a persona (embedded), ${ROUNDS} rounds`, `${Math.round(dt.rate)} | ${Math.round(pt.rate)} calls/s (${pt.ratio(0).toFixed(2)}x, median of the rounds)`, '>= 0.8x direct');
    report(
      'for scale, the thinnest forwarder (bench/fixtures/thin-proxy.mjs: node:http in, undici out, nothing else), in the same rounds: adds at concurrency 1 | throughput | its CPU per call',
      `${t.over(0).toFixed(2)} ms | ${tt.ratio(0).toFixed(2)}x | ${Math.round(tt.cpuPerCall.proxy)} µs`,
      'for reference',
    );
    report(
      "the persona's own cost over the thinnest forwarder, same rounds: added p50 at concurrency 1 | throughput at concurrency 32",
      `${p.over(2).toFixed(2)} ms | ${pt.ratio(2).toFixed(2)}x`,
      'for reference',
    );
    report('CPU per call at concurrency 32 (echo server | gateway process, PostgreSQL not counted)', `${Math.round(dt.cpuPerCall.server)} µs direct, ${Math.round(pt.cpuPerCall.server)} µs through a persona | ${Math.round(pt.cpuPerCall.gateway)} µs`, 'for reference');
    await thinClient.close();
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
    const list = (url, id) => fetch(url, { method: 'POST', headers: listHeaders, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }) }).then((r) => r.text());
    const answer = await list(`${base}/personas/big/mcp`, 0);
    const tools = JSON.parse(answer).result.tools.length;
    // The floor: node:http sending the same bytes, its turns alternating with the persona's.
    await writeFile(join(dir, 'tools-list.json'), answer);
    const staticPort = await freePort();
    floor = start([join(ROOT, 'bench/fixtures/static-reply.mjs')], { PORT: String(staticPort), BODY_FILE: join(dir, 'tools-list.json') });
    await waitFor(`http://127.0.0.1:${staticPort}/`);
    const urls = [`${base}/personas/big/mcp`, `http://127.0.0.1:${staticPort}/`];
    const samples = urls.map(() => []);
    for (let i = 0; i < 2_400; i++) {
      const side = i % 2;
      const t = performance.now();
      await list(urls[side], i + 1);
      if (i >= 400) samples[side].push(performance.now() - t);
    }
    const [listed, bytes] = samples.map((these) => these.sort((a, b) => a - b));
    report(
      `tools/list, ${tools} tools from 50 gateways (${Math.round(answer.length / 1024)} KB), HTTP round trip | the same bytes from node:http alone (bench/fixtures/static-reply.mjs), alternating`,
      `p50 ${percentile(listed, 50).toFixed(2)} ms, p99 ${percentile(listed, 99).toFixed(2)} ms | p50 ${percentile(bytes, 50).toFixed(2)} ms`,
      'p50 <= 2 ms, no downstream round trip',
    );
  } finally {
    await Promise.all([gateway.stop(), echo.stop(), many.stop(), thin.stop(), floor?.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}
