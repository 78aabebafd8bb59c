import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@persona-gateway/eventstore';
import { startProcess, waitForHttpOk } from '@persona-gateway/testing';
import { CLI, tempDataDir } from './helpers.js';
import { personaScenario } from './persona-scenario.js';

describe('personas end to end, embedded mode (SDK client, real downstream servers)', () => {
  personaScenario(async (ttlMs) => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const gateway = startProcess(process.execPath, [CLI, 'start', '--no-demo'], {
      // The product's default: a stdio downstream (server-memory) is spawned within it, which takes
      // 0.4 s alone and over 2 s with the whole suite on two cores; a stopped one is refused at once.
      env: { DATA_DIR: dataDir, PORT: String(port), SESSION_IDLE_TTL_MS: String(ttlMs), DOWNSTREAM_CONNECT_TIMEOUT_MS: '5000' },
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForHttpOk(`${base}/health/ready`, { process: gateway, timeoutMs: 60_000 });
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    return { base, token, ttlMs, stop: async () => void (await gateway.stop('SIGTERM')) };
  });
});
