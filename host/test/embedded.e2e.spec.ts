import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Socket } from 'node:net';
import { connectDatabase, freePort, PostgresEventStore } from '@persona-gateway/eventstore';
import { eventually, startProcess, waitForHttpOk } from '@persona-gateway/testing';
import { CLI, ROOT, tempDataDir } from './helpers.js';
import { connectClient } from './persona-scenario.js';

const DEMO_EXPOSED = ['Everything_echo', 'Everything_get-sum', 'Everything_trigger-long-running-operation', 'Memory_create_entities', 'Memory_read_graph', 'Memory_search_nodes'];

async function demoTools(base: string): Promise<string[]> {
  const client = await connectClient(base, 'demo', undefined);
  try {
    return (await client.listTools()).tools.map((tool) => tool.name).sort();
  } finally {
    await client.close();
  }
}

describe('embedded mode: npm start', () => {
  it('starts, answers health and metrics, stops cleanly on Ctrl-C, and restarts on the same data', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const env = { PORT: String(port), DATA_DIR: dataDir };
    const base = `http://127.0.0.1:${port}`;

    const first = startProcess('npm', ['start', '--silent'], { env, cwd: ROOT });
    await waitForHttpOk(`${base}/health/ready`, { process: first, timeoutMs: 90_000 });
    expect(first.output()).toContain('initialising PostgreSQL cluster');
    await eventually('the ready line', () => first.output().includes(`ready on ${base}`), 60_000);
    expect(first.output()).toContain(`demo persona ready: ${base}/personas/demo/mcp`);
    expect(await demoTools(base)).toEqual(DEMO_EXPOSED);

    const ready = await (await fetch(`${base}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, bus: { status: 'up', transport: 'in-process' } } });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('target_info');

    // Something to survive the restart, written through the running gateway's database.
    const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { databaseUrl: string };
    expect(((await stat(join(dataDir, 'runtime.json'))).mode & 0o777).toString(8)).toBe('600');
    const dataSource = await connectDatabase({ url: runtime.databaseUrl, poolSize: 1 });
    await new PostgresEventStore(dataSource).appendToStream('test-restart', [{ type: 'Remembered', data: { value: 42 } }]);
    await dataSource.destroy();

    // Ctrl-C reaches the whole process group: npm (which re-raises the signal), the gateway and postgres.
    const stopped = await first.stop('SIGINT');
    expect(stopped.code === 0 || stopped.signal === 'SIGINT').toBe(true);
    // npm may exit before the gateway has finished its orderly shutdown: wait for the gateway.
    await eventually('the gateway to stop', () => /SIGINT: shutting down[\s\S]*stopped/.test(first.output()), 15_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${first.output()}`);
    });
    expect(first.output()).not.toMatch(/error|exiting without waiting/i);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // postgres shut down cleanly
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);

    const second = startProcess('npm', ['start', '--silent'], { env, cwd: ROOT });
    try {
      await waitForHttpOk(`${base}/health/ready`, { process: second, timeoutMs: 60_000 });
      await eventually('the ready line', () => second.output().includes(`ready on ${base}`), 60_000);
      expect(second.output()).not.toContain('initialising PostgreSQL cluster');
      // The demo's HTTP server comes back with the gateway; its persona works again.
      expect(await demoTools(base)).toEqual(DEMO_EXPOSED);
      const demo = await connectClient(base, 'demo', undefined);
      const echoed = await demo.callTool({ name: 'Everything_echo', arguments: { message: 'hello demo' } });
      expect(JSON.stringify(echoed.content)).toContain('hello demo');
      await demo.close();
      expect(second.output()).not.toContain('applied migrations');
      const events = spawnSync(process.execPath, [CLI, 'events', '--stream', 'test-restart', '--json'], { env: { ...process.env, ...env }, encoding: 'utf8' });
      expect(events.status).toBe(0);
      expect(JSON.parse(events.stdout.trim())).toMatchObject({ streamId: 'test-restart', version: 1, type: 'Remembered', data: { value: 42 } });
    } finally {
      await second.stop('SIGTERM');
      await eventually('the gateway to stop', () => /SIGTERM: shutting down[\s\S]*stopped/.test(second.output()), 15_000).catch((e) => { throw new Error(e.message + second.output()); });
      await eventually('postgres to stop', () => !existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 15_000);
    }
  });

  it('stops at once with one line naming a bad variable', () => {
    const result = spawnSync(process.execPath, [CLI, 'start'], { env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('Invalid configuration: PORT must be a whole number from 0 to 65535 (got "eighty")\n');
  });

  it('says plainly when the port is taken', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const blocker = startProcess(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1')`]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const result = spawnSync(process.execPath, [CLI, 'start'], { env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, NO_COLOR: '1' }, encoding: 'utf8', timeout: 60_000 });
      expect(result.status).toBe(1);
      expect(result.stdout + result.stderr).toContain(`127.0.0.1:${port} is already in use (set PORT to another port)`);
      expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false); // the database it started was stopped again
    } finally {
      await blocker.stop('SIGKILL');
    }
  });

  it('stops promptly when a client holds a connection mid-request (a kept-alive or half-sent request cannot hold the shutdown)', async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], { env: { PORT: String(port), DATA_DIR: dataDir } });
    const socket = new Socket();
    try {
      await waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, { process: gateway, timeoutMs: 90_000 });
      // Headers promising a body that never comes: the server must keep reading, and no idle-connection sweep closes it.
      await new Promise<void>((resolve, reject) => socket.once('error', reject).connect(port, '127.0.0.1', resolve));
      socket.write('POST /api/v1/gateways HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":');
      await new Promise((resolve) => setTimeout(resolve, 200));
      // stop() kills the process if it is still running after 15 s.
      const stopped = await gateway.stop('SIGTERM');
      expect(stopped.signal).not.toBe('SIGKILL');
      expect(gateway.output()).toMatch(/SIGTERM: shutting down[\s\S]*stopped/);
      expect(gateway.output()).not.toMatch(/did not stop within/);
    } finally {
      socket.destroy();
      await gateway.stop('SIGKILL');
    }
  });
});
