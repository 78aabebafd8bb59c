// Gateway CPU per MCP request that stays in the edge (ping), and per tools/call, with a raw keep-alive HTTP client.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
const ROOT = '/work/main/';
const ut = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return [Number(f[11]) * 10, Number(f[12]) * 10]; };
import { execSync } from 'node:child_process';
const pgTicks = () => { let t = 0; for (const pid of execSync('pgrep -f postgres || true').toString().trim().split('\n').filter(Boolean)) { try { t += ticks(Number(pid)); } catch {} } return t; };
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
async function waitFor(url) { for (let i = 0; i < 600; i++) { try { const r = await fetch(url); if (r.status < 500) return; } catch {} await new Promise(r => setTimeout(r, 50)); } throw new Error(url); }
const dir = await mkdtemp(join(tmpdir(), 'pgw-exp-')); await chmod(dir, 0o711);
const echoPort = await freePort(), port = await freePort();
const echo = spawn(process.execPath, [join(ROOT, 'bench/fixtures/echo-server.mjs')], { env: { ...process.env, PORT: String(echoPort) }, stdio: 'ignore' });
const gw = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), join(ROOT, 'host/dist/main.js'), 'start', '--no-demo'], { env: { ...process.env, PORT: String(port), DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', ...(process.env.GWENV ? JSON.parse(process.env.GWENV) : {}) }, stdio: ['ignore', 'ignore', 'inherit'] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const post = (path, headers, body) => new Promise((resolve, reject) => { const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => { const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() })); }); req.on('error', reject); req.end(body); });
try {
  await waitFor(`http://127.0.0.1:${port}/health/ready`); await waitFor(`http://127.0.0.1:${echoPort}/mcp`);
  const token = (await readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
  const admin = (path, body) => fetch(`http://127.0.0.1:${port}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async r => { if (!r.ok) throw new Error(await r.text()); });
  await admin('/gateways', { name: 'Echo', transport: { type: 'streamable-http', url: `http://127.0.0.1:${echoPort}/mcp` } });
  await admin('/personas', { slug: 'bench', name: 'Bench', open: true, tools: [{ gateway: 'Echo', tool: 'echo' }], deploy: true });
  const init = await post('/personas/bench/mcp', {}, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }));
  { const i0 = ticks(gw.pid); await new Promise((r) => setTimeout(r, 3000)); console.log(`idle gateway cpu ${((ticks(gw.pid) - i0) / 30).toFixed(1)}%`); }
  const h = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': '2025-11-25' };
  for (const [label, body] of [['ping', { jsonrpc: '2.0', id: 1, method: 'ping' }], ['tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'Echo_echo', arguments: { text: 'hello' } } }]].filter(([l]) => !process.env.ONLY || l === process.env.ONLY)) {
    const text = JSON.stringify(body);
    for (let i = 0; i < 300; i++) { const r = await post('/personas/bench/mcp', h, text.replace('"id":1', '"id":' + (++globalThis.seq || (globalThis.seq = 2)))); if (r.status !== 200 || r.body.includes('"error"')) throw new Error(r.body); }
    if (process.env.STRACEC) { spawn('/tmp/exp/stracec.sh', [String(gw.pid), '3'], { stdio: 'ignore' }); await new Promise((r) => setTimeout(r, 300)); }
    const g0 = ticks(gw.pid); const u0 = ut(gw.pid); const lat = []; for (let i = 0; i < 2000; i++) { const t = performance.now(); await post('/personas/bench/mcp', h, text); lat.push(performance.now() - t); } lat.sort((a, b) => a - b); { const u1 = ut(gw.pid); console.log(`c=1 gateway cpu ${Math.round((ticks(gw.pid) - g0) * 1000 / 2000)} µs/call (user ${Math.round((u1[0] - u0[0]) * 1000 / 2000)}, system ${Math.round((u1[1] - u0[1]) * 1000 / 2000)})`); }
    if (process.env.ONLY_LAT) { console.log(`p50 ${lat[1000].toFixed(3)}`); continue; }
    let done = 0; const c0 = ticks(gw.pid), e0 = ticks(echo.pid), p0 = pgTicks(); const until = performance.now() + 3000;
    await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < until) { const r = await post('/personas/bench/mcp', h, text.replace('"id":1', '"id":' + (++globalThis.seq || (globalThis.seq = 2)))); if (r.status !== 200 || r.body.includes('"error"')) { globalThis.bad = (globalThis.bad ?? 0) + 1; globalThis.sample = r.body; } done++; } }));
    console.log(globalThis.bad, globalThis.sample); console.log(`${label}: p50 ${lat[1000].toFixed(3)} ms, ${Math.round(done / 3)}/s, gateway ${Math.round((ticks(gw.pid) - c0) * 1000 / done)} µs/req, echo ${Math.round((ticks(echo.pid) - e0) * 1000 / done)} µs/req, pg ${Math.round((pgTicks() - p0) * 1000 / done)} µs/req`);
  }
} finally { echo.kill(); gw.kill('SIGTERM'); await new Promise(r => gw.once('exit', r)); await rm(dir, { recursive: true, force: true }); agent.destroy(); }
