// `npm run bench`: every benchmark in bench/, printed as one Markdown table.
import { readdir } from 'node:fs/promises';
import { cpus } from 'node:os';

const only = process.argv[2];
const rows = [];
const report = (what, result, target) => {
  rows.push({ what, result, target });
  console.error(`${what}: ${result}`);
};
const files = (await readdir(new URL('../bench/', import.meta.url))).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort();
for (const file of files) {
  const { run } = await import(new URL(`../bench/${file}`, import.meta.url));
  await run(report);
}
console.log(`\nBenchmarks (${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`);
console.log('| measure | result | target |');
console.log('|---|---|---|');
for (const row of rows) console.log(`| ${row.what} | ${row.result} | ${row.target} |`);
