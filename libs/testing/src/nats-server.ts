import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { canConnect, freePort } from '@persona-gateway/eventstore';

export { canConnect };

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A real nats-server (Debian's package) on a free loopback port, JetStream on. */
export async function startNatsServer(storeDir: string, options: { port?: number } = {}): Promise<NatsServer> {
  await mkdir(storeDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  child.once('error', (error) => (output += String(error)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start (apt-get install -y nats-server): ${output.slice(-500)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
