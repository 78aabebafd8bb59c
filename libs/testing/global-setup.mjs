// One PostgreSQL cluster and one nats-server (JetStream on) for the whole run; each test
// file makes its own database in the cluster. Uses the built libs (npm test builds first).
import { mkdtemp, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@persona-gateway/eventstore';
import { startNatsServer } from '@persona-gateway/testing';

export default async function globalSetup() {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-test-'));
  await chmod(dir, 0o711);
  const [postgres, nats] = await Promise.all([startEmbeddedPostgres(join(dir, 'data')), startNatsServer(join(dir, 'nats'))]);
  process.env.PGW_TEST_DATABASE_URL = postgres.url;
  process.env.PGW_TEST_NATS_URL = nats.url;
  process.env.PGW_TEST_TMP = dir;
  globalThis.__pgwTest = { postgres, nats, dir };
}
