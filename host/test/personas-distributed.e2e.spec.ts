import { join } from 'node:path';
import { SERVICE_NAMES } from '@persona-gateway/contracts';
import { createTestDatabase, startNatsServer } from '@persona-gateway/testing';
import { startServices, tempDataDir } from './helpers.js';
import { personaScenario } from './persona-scenario.js';

describe('personas end to end, distributed mode (NATS, one process per service, two routers)', () => {
  personaScenario(async (ttlMs) => {
    const database = await createTestDatabase('pdist');
    const nats = await startNatsServer(join(await tempDataDir(), 'nats'));
    // The product's default: a stdio downstream (server-memory) is spawned within it, which takes
    // 0.4 s alone and over 2 s with the whole suite on two cores; a stopped one is refused at once.
    const env = { DATABASE_URL: database.url, NATS_URL: nats.url, SESSION_IDLE_TTL_MS: String(ttlMs), DOWNSTREAM_CONNECT_TIMEOUT_MS: '5000', ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') };
    const { processes, token } = await startServices([...SERVICE_NAMES, 'router'], env);
    const edge = processes.find((p) => p.name === 'edge')!;
    return {
      base: `http://127.0.0.1:${edge.port}`,
      token,
      ttlMs,
      stop: async () => {
        await Promise.all(processes.map(({ process }) => process.stop('SIGTERM')));
        await nats.stop();
        await database.drop();
      },
    };
  });
});
