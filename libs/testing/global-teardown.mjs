import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const state = globalThis.__pgwTest;
  if (!state) return;
  await Promise.allSettled([state.postgres.stop(), state.nats.stop()]);
  await rm(state.dir, { recursive: true, force: true });
}
