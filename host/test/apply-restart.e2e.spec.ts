import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { adminApi, CLI, EVERYTHING, startDownstream, tempDataDir } from './helpers.js';
import { connectClient } from './persona-scenario.js';

describe('apply -f, restart and replay (embedded)', () => {
  let dataDir: string;
  let port: number;
  let gateway: ManagedProcess;
  let everything: ManagedProcess;
  const base = () => `http://127.0.0.1:${port}`;
  const env = () => ({ DATA_DIR: dataDir, PORT: String(port) });
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env(), EVERYTHING_TOKEN: 's3cret-value' }, encoding: 'utf8', timeout: 60_000 });
  const startGateway = async () => {
    gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: env() });
    await waitForHttpOk(`${base()}/health/ready`, { process: gateway, timeoutMs: 60_000 });
  };

  beforeAll(async () => {
    dataDir = await tempDataDir();
    port = await freePort();
    const everythingPort = await freePort();
    everything = await startDownstream([EVERYTHING, 'streamableHttp'], everythingPort);
    await startGateway();
    await writeFile(
      join(dataDir, 'personas.yaml'),
      [
        'gateways:',
        '  - name: Everything',
        '    description: reference server',
        `    transport: { type: streamable-http, url: "http://127.0.0.1:${everythingPort}/mcp", headers: { X-Api-Key: "\${EVERYTHING_TOKEN}" } }`,
        'personas:',
        '  - slug: ops',
        '    name: Ops',
        '    auth: { nonInteractive: true }',
        '    tools: [Everything/echo, Everything/get-sum]',
        '    deploy: true',
      ].join('\n'),
    );
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    await everything?.stop('SIGTERM');
  });

  it('applies a file, and applying it again changes nothing and appends no events', async () => {
    const first = cli('apply', '-f', join(dataDir, 'personas.yaml'));
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('gateway Everything: applied\npersona ops: applied\n');
    const api = adminApi(base(), (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim());
    const events = (await api('GET', '/events?limit=10000')).body.events.filter((e: { type: string }) => !e.type.startsWith('ToolCall'));
    const second = cli('apply', '-f', join(dataDir, 'personas.yaml'));
    expect(second.stdout).toBe('gateway Everything: unchanged\npersona ops: unchanged\n');
    expect((await api('GET', '/events?limit=10000')).body.events.filter((e: { type: string }) => !e.type.startsWith('ToolCall'))).toEqual(events);
    // The header value is sealed: it appears nowhere in the history.
    expect(JSON.stringify(events)).not.toContain('s3cret-value');
    expect((await api('GET', '/gateways/Everything')).body.transport.headerNames).toEqual(['X-Api-Key']);
  });

  it('refuses a file naming an unset variable, or a bad selection, with a clear message', async () => {
    await writeFile(join(dataDir, 'bad.yaml'), 'personas:\n  - slug: x\n    name: X\n    tools: [Everything/deleteEverything]\n');
    const bad = cli('apply', '-f', join(dataDir, 'bad.yaml'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Unknown tool: Everything/deleteEverything');
    await writeFile(join(dataDir, 'unset.yaml'), 'gateways:\n  - name: G\n    transport: { type: sse, url: "${NOT_SET_ANYWHERE}" }\n');
    expect(cli('apply', '-f', join(dataDir, 'unset.yaml')).stderr).toContain('${NOT_SET_ANYWHERE}, which is not set');
  });

  it('after a restart, gateways, personas and selections are back; replay rebuilds the same state', async () => {
    const api = adminApi(base(), (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim());
    const before = { gateways: (await api('GET', '/gateways')).body, personas: (await api('GET', '/personas')).body };
    const created = cli('keys', 'create', '--persona', 'ops', '--name', 'restart-check', '--expires', '1y');
    expect(created.status).toBe(0);
    const key = created.stdout.trim();
    const client = await connectClient(base(), 'ops', key);
    const toolsBefore = (await client.listTools()).tools;
    await client.close();

    await gateway.stop('SIGTERM');
    await startGateway();
    expect({ gateways: (await api('GET', '/gateways')).body, personas: (await api('GET', '/personas')).body }).toEqual(before);
    // The key survives the restart: the edge's key projection is rebuilt from the events.
    const again = await connectClient(base(), 'ops', key);
    expect((await again.listTools()).tools).toEqual(toolsBefore);
    expect(JSON.stringify((await again.callTool({ name: 'Everything_get-sum', arguments: { a: 1, b: 2 } })).content)).toContain('3');
    await again.close();

    const replayed = cli('replay');
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toMatch(/^rebuilt stream_index: \d+ events replayed/m);
    expect({ gateways: (await api('GET', '/gateways')).body, personas: (await api('GET', '/personas')).body }).toEqual(before);
  }, 90_000);
});
