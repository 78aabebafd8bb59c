// One PostgreSQL cluster and one nats-server (JetStream on) for the whole run; each test
// file makes its own database in the cluster. Uses the built libs (npm test builds first).
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@persona-gateway/eventstore';
import { startNatsServer } from '@persona-gateway/testing';

export default async function globalSetup() {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-test-'));
  await chmod(dir, 0o711);
  const [postgres, nats] = await Promise.allSettled([startEmbeddedPostgres(join(dir, 'data')), startNatsServer(join(dir, 'nats'))]);
  if (postgres.status === 'rejected' || nats.status === 'rejected') {
    // Jest runs no teardown after a failed setup: stop whichever did start.
    await Promise.allSettled([postgres, nats].filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()));
    await rm(dir, { recursive: true, force: true });
    throw postgres.status === 'rejected' ? postgres.reason : nats.reason;
  }
  process.env.PGW_TEST_DATABASE_URL = postgres.value.url;
  process.env.PGW_TEST_NATS_URL = nats.value.url;
  process.env.PGW_TEST_TMP = dir;
  globalThis.__pgwTest = { postgres: postgres.value, nats: nats.value, dir };
}
