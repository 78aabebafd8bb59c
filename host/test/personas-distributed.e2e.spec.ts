import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@persona-gateway/contracts';
import { freePort } from '@persona-gateway/eventstore';
import { createTestDatabase, startNatsServer, startProcess, waitForHttpOk, type ManagedProcess } from '@persona-gateway/testing';
import { CLI, ROOT, tempDataDir } from './helpers.js';
import { personaScenario } from './persona-scenario.js';

describe('personas end to end, distributed mode (NATS, one process per service, two routers)', () => {
  personaScenario(async (ttlMs) => {
    const database = await createTestDatabase('pdist');
    const nats = await startNatsServer(join(await tempDataDir(), 'nats'));
    const env = { DATABASE_URL: database.url, NATS_URL: nats.url, SESSION_IDLE_TTL_MS: String(ttlMs), DOWNSTREAM_CONNECT_TIMEOUT_MS: '2000', ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') };
    const processes: Array<{ process: ManagedProcess; port: number; name: string }> = [];
    for (const name of [...SERVICE_NAMES, 'router']) {
      const port = await freePort();
      processes.push({ name, port, process: startProcess(process.execPath, [join(ROOT, `services/${name}/dist/main.js`)], { env: { ...env, PORT: String(port), DATA_DIR: await tempDataDir() } }) });
    }
    await Promise.all(processes.map(({ process, port }) => waitForHttpOk(`http://127.0.0.1:${port}/health/ready`, { process, timeoutMs: 60_000 })));
    const issued = spawnSync(process.execPath, [CLI, 'admin-token', 'create'], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(issued.status).toBe(0);
    const edge = processes.find((p) => p.name === 'edge')!;
    return {
      base: `http://127.0.0.1:${edge.port}`,
      token: issued.stdout.trim(),
      ttlMs,
      stop: async () => {
        await Promise.all(processes.map(({ process }) => process.stop('SIGTERM')));
        await nats.stop();
        await database.drop();
      },
    };
  });
});
