import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canConnect } from '@persona-gateway/eventstore';

const require = createRequire(import.meta.url);
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), '../assets/loopback-preload.cjs');

/** Path of an npm package's bin script, resolved from this install. */
export function binOf(pkg: string, bin: string): string {
  const manifest = require(`${pkg}/package.json`) as { bin: Record<string, string> };
  return join(dirname(require.resolve(`${pkg}/package.json`)), manifest.bin[bin]!);
}

export interface DemoServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** server-everything over Streamable HTTP, pinned to loopback, on `port`. */
export async function startEverything(port: number): Promise<DemoServer> {
  const entry = binOf('@modelcontextprotocol/server-everything', 'mcp-server-everything');
  const child = spawn(process.execPath, ['--require', PRELOAD, entry, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output = (output + String(chunk)).slice(-2_000)));
  const kill = () => child.exitCode === null && child.kill('SIGTERM');
  process.once('exit', kill);
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`demo server-everything did not start on 127.0.0.1:${port}: ${output.trim().slice(-300)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `http://127.0.0.1:${port}/mcp`, stop: () => stopChild(child, kill) };
}

async function stopChild(child: ChildProcess, kill: () => void): Promise<void> {
  process.removeListener('exit', kill);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
