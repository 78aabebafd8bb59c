import { apiKeyUsageProjection, lastUsedOf } from '@persona-gateway/auth';
import { catchUpProjection, connectDatabase, migrate, PostgresEventStore, rebuildProjection } from '@persona-gateway/eventstore';
import { createTestDatabase, type TestDatabase } from '@persona-gateway/testing';
import type { DataSource } from 'typeorm';

const KEY_A = '0123456789abcdef';
const KEY_B = 'fedcba9876543210';

/** A call event as the router records it. */
const call = (principal: string, startedAt: string, outcome = 'ok') => ({
  type: outcome === 'ok' ? 'ToolCallCompleted' : 'ToolCallFailed',
  data: { persona: 'ops', tool: 'Echo_echo', principal: { id: principal, kind: principal.startsWith('apikey:') ? 'api-key' : 'anonymous' }, callId: crypto.randomUUID(), startedAt, durationMs: 1, outcome },
  metadata: { actor: principal },
});

describe('api_key_usage projection (real PostgreSQL)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('keyuse');
    dataSource = await connectDatabase({ url: database.url });
    await migrate(dataSource);
    store = new PostgresEventStore(dataSource);
    await apiKeyUsageProjection.setup(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('keeps each key\'s latest call (by when the call started, whatever order events are shipped in), and survives a rebuild', async () => {
    // Two routers ship in their own order: an earlier call of key A can reach the store after a later one.
    await store.appendToStream('calls-router-1', [call(`apikey:${KEY_A}`, '2026-11-24T10:00:02.000Z'), call('anonymous', '2026-11-24T10:00:09.000Z')]);
    await store.appendToStream('calls-router-2', [call(`apikey:${KEY_A}`, '2026-11-24T10:00:01.000Z'), call(`apikey:${KEY_B}`, '2026-11-24T10:00:03.000Z', 'UNKNOWN_TOOL')]);
    await catchUpProjection(dataSource, store, apiKeyUsageProjection);

    const used = await lastUsedOf(dataSource, [KEY_A, KEY_B, 'aaaaaaaaaaaaaaaa']);
    expect(Object.fromEntries(used)).toEqual({ [KEY_A]: '2026-11-24T10:00:02.000Z', [KEY_B]: '2026-11-24T10:00:03.000Z' });

    await rebuildProjection(dataSource, store, apiKeyUsageProjection);
    expect(Object.fromEntries(await lastUsedOf(dataSource, [KEY_A, KEY_B]))).toEqual(Object.fromEntries(used));
  });
});
