import { spawnSync } from 'node:child_process';
import { freePort } from '@persona-gateway/eventstore';
import { canConnect, startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { mkdtemp } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

/** The repository root (tests run the built product from here, as a user would). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'host/bin/persona-gateway.js');

/** A fresh data directory that the unprivileged postgres user can reach when we run as root. */
export function tempDataDir(): Promise<string> {
  return mkdtemp(join(process.env.PGW_TEST_TMP ?? tmpdir(), 'data-'));
}


export const PRELOAD = join(ROOT, 'host/assets/loopback-preload.cjs');
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const MEMORY = join(ROOT, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js');

/** A downstream server process on a loopback port, started and waited for. */
export async function startDownstream(args: string[], port: number): Promise<ManagedProcess> {
  const server = startProcess(process.execPath, ['--require', PRELOAD, ...args], { env: { PORT: String(port) } });
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    if (server.child.exitCode !== null || Date.now() > deadline) throw new Error(`downstream ${args.join(' ')} did not start: ${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

/** Admin API calls with the admin token. */
export function adminApi(base: string, token: string) {
  return async <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
}

export interface ServiceProcess {
  readonly name: string;
  readonly port: number;
  readonly process: ManagedProcess;
}

/**
 * Distributed mode as an orchestrator runs it: one process per named service (a name twice
 * is two replicas), each with its own port and DATA_DIR (a router keeps its call journal
 * there), all started at once and waited for; then an admin token issued with the CLI.
 */
export async function startServices(names: readonly string[], env: Record<string, string>): Promise<{ processes: ServiceProcess[]; token: string }> {
  const processes: ServiceProcess[] = [];
  for (const name of names) {
    const port = await freePort();
    processes.push({ name, port, process: startProcess(process.execPath, [join(ROOT, `services/${name}/dist/main.js`)], { env: { ...env, PORT: String(port), DATA_DIR: await tempDataDir() } }) });
  }
  await Promise.all(processes.map(({ process, port }) => waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, { process, timeoutMs: 60_000 })));
  const issued = spawnSync(process.execPath, [CLI, 'admin-token', 'create'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (issued.status !== 0) throw new Error(`admin-token create failed: ${issued.stderr}`);
  return { processes, token: issued.stdout.trim() };
}
