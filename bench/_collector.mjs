// A tiny OTLP/HTTP JSON collector: keeps spans, prints per-trace timelines on SIGTERM.
import http from 'node:http';
import { writeFileSync } from 'node:fs';
const spans = [];
http.createServer((req, res) => {
  const chunks = []; req.on('data', (c) => chunks.push(c)); req.on('end', () => {
    if (req.url === '/v1/traces') { try { const body = JSON.parse(Buffer.concat(chunks).toString()); for (const rs of body.resourceSpans ?? []) { const svc = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value?.stringValue; for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push({ svc, name: s.name, trace: s.traceId, id: s.spanId, parent: s.parentSpanId, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano) }); } } catch (e) { console.error('bad', e.message); } }
    res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  const byTrace = new Map(); for (const s of spans) { if (!byTrace.has(s.trace)) byTrace.set(s.trace, []); byTrace.get(s.trace).push(s); }
  const rows = new Map();
  for (const list of byTrace.values()) { if (!list.some((s) => s.name.startsWith('router.tools.call.v1 send'))) continue; const t0 = list.reduce((m, s) => (s.start < m ? s.start : m), list[0].start); for (const s of list) { const k = `${s.svc} ${s.name}`; const r = rows.get(k) ?? { start: [], dur: [] }; r.start.push(Number(s.start - t0) / 1e6); r.dur.push(Number(s.end - s.start) / 1e6); rows.set(k, r); } }
  const med = (a) => { const x = [...a].sort((p, q) => p - q); return x[x.length >> 1]?.toFixed(3); };
  const out = [...rows].sort((a, b) => Number(med(a[1].start)) - Number(med(b[1].start))).map(([k, r]) => `${k}: n=${r.start.length} start@${med(r.start)} ms dur ${med(r.dur)} ms`).join('\n');
  writeFileSync('/tmp/exp/spans.txt', out); process.exit(0);
});
