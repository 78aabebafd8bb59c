// Compiles every workspace package's src/ to dist/ with swc (type-checking is `npm run typecheck`).
// Incremental by modification time, so `npm start` on an unchanged tree costs a directory walk.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swcrc = JSON.parse(await readFile(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

async function atomicWrite(path, content) {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

async function mtime(path) {
  return (await stat(path).catch(() => null))?.mtimeMs ?? -1;
}

const packages = [];
for (const group of ['libs', 'services']) {
  for (const entry of await readdir(join(root, group), { withFileTypes: true })) {
    if (entry.isDirectory()) packages.push(join(root, group, entry.name));
  }
}
packages.push(join(root, 'host'));

let compiled = 0;
const work = [];
for (const pkg of packages) {
  const src = join(pkg, 'src');
  const dist = join(pkg, 'dist');
  const expected = new Set();
  for await (const file of walk(src)) {
    if (!file.endsWith('.ts') || file.endsWith('.d.ts') || file.endsWith('.spec.ts')) continue;
    const out = join(dist, relative(src, file)).replace(/\.ts$/, '.js');
    expected.add(out);
    expected.add(`${out}.map`);
    if ((await mtime(out)) >= (await mtime(file))) continue;
    work.push(
      (async () => {
        const result = await transformFile(file, { ...swcrc, filename: file, sourceFileName: relative(dirname(out), file), swcrc: false });
        await mkdir(dirname(out), { recursive: true });
        // Write-then-rename: several `npm run start:<service>` may build at once, and a
        // process must never import a half-written file.
        if (result.map) await atomicWrite(`${out}.map`, result.map);
        await atomicWrite(out, `${result.code}\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
        compiled += 1;
      })(),
    );
  }
  // Drop outputs whose source is gone, so a deleted module cannot linger in dist/.
  for await (const file of walk(dist)) {
    if (!expected.has(file) && !file.endsWith('.tmp')) await rm(file, { force: true });
  }
}
await Promise.all(work);
if (compiled > 0 && process.env.BUILD_QUIET !== '1') console.error(`build: compiled ${compiled} file(s)`);
