// CPU per call by process: direct vs through a persona.
import { spawn, execSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { freePort } from '@persona-gateway/eventstore';
const ROOT = '/work/main/';
const MS = Number(process.env.MS ?? 4000);
const start = (args, env) => { const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] }); return child; };
async function waitFor(url) { for (let i = 0; i < 600; i++) { try { const r = await fetch(url); if (r.status < 500) return; } catch {} await new Promise(r => setTimeout(r, 50)); } throw new Error(url); }
const ticks = (pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; } catch { return 0; } };
const pgPids = () => { try { return execSync('pgrep -f "postgres"').toString().trim().split('\n').map(Number); } catch { return []; } };
const dir = await mkdtemp(join(tmpdir(), 'pgw-exp-')); await chmod(dir, 0o711);
const echoPort = await freePort(), gatewayPort = await freePort();
const echo = start([join(ROOT, 'bench/fixtures/echo-server.mjs')], { PORT: String(echoPort) });
const gw = start([...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), join(ROOT, 'host/dist/main.js'), 'start', '--no-demo'], { PORT: String(gatewayPort), DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', ...(process.env.GWENV ? JSON.parse(process.env.GWENV) : {}) });
console.log("echo", echo.pid, "gw", gw.pid);
const base = `http://127.0.0.1:${gatewayPort}`;
try {
  await waitFor(`${base}/health/ready`); await waitFor(`http://127.0.0.1:${echoPort}/mcp`);
  const token = (await readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
  const admin = (path, body) => fetch(`${base}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async r => { if (!r.ok) throw new Error(await r.text()); return r.json(); });
  await admin('/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `http://127.0.0.1:${echoPort}/mcp` } });
  await admin('/personas', { slug: 'bench', name: 'Bench', open: true, tools: [{ gateway: 'Echo', tool: 'echo' }], deploy: true });
  const mk = async (url) => { const c = new Client({ name: 'b', version: '1' }); await c.connect(new StreamableHTTPClientTransport(new URL(url))); return c; };
  const direct = await mk(`http://127.0.0.1:${echoPort}/mcp`), persona = await mk(`${base}/personas/bench/mcp`);
  for (const [label, c, name] of [['direct', direct, 'echo'], ['persona', persona, 'Echo_echo']]) {
    for (let i = 0; i < 300; i++) await c.callTool({ name, arguments: { text: 'w' } });
    const lat = []; for (let i = 0; i < Number(process.env.N ?? 500); i++) { const t = performance.now(); await c.callTool({ name, arguments: { text: 'x' + i } }); lat.push(performance.now() - t); }
    lat.sort((a, b) => a - b);
    const pgs = pgPids();
    const before = { self: process.cpuUsage(), echo: ticks(echo.pid), gw: ticks(gw.pid), pg: pgs.reduce((s, p) => s + ticks(p), 0) };
    let done = 0; const until = performance.now() + MS;
    await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < until) { await c.callTool({ name, arguments: { text: 'x' } }); done++; } }));
    const su = process.cpuUsage(before.self);
    const per = (ms) => ((ms * 1000) / done).toFixed(0);
    console.log(`${label}: p50 ${lat[lat.length >> 1].toFixed(2)} ms; ${Math.round(done / (MS / 1000))}/s; cpu µs/call client ${per((su.user + su.system) / 1000)} echo ${per(ticks(echo.pid) - before.echo)} gw ${per(ticks(gw.pid) - before.gw)} pg ${per(pgPids().reduce((s, p) => s + ticks(p), 0) - before.pg)}`);
  }
  await direct.close(); await persona.close();
} finally { echo.kill(); gw.kill('SIGTERM'); await new Promise(r => gw.once('exit', r)); await rm(dir, { recursive: true, force: true }); }
