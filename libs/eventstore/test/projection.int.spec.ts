import type { RecordedEvent } from '@persona-gateway/contracts';
import {
  catchUpProjection,
  connectDatabase,
  migrate,
  PostgresEventStore,
  readCheckpoint,
  rebuildProjection,
  streamIndexProjection,
  type Projection,
  type Queryable,
} from '@persona-gateway/eventstore';
import { createTestDatabase, type TestDatabase } from '@persona-gateway/testing';
import type { DataSource } from 'typeorm';

/** A read model of persona names: handles only two event types. */
const personaNames: Projection = {
  name: 'persona_names_test',
  handles: ['PersonaCreated', 'PersonaRenamed'],
  async setup(db: Queryable) {
    await db.query('CREATE TABLE IF NOT EXISTS persona_names_test (stream_id text PRIMARY KEY, name text NOT NULL, renames int NOT NULL)');
  },
  async reset(db: Queryable) {
    await db.query('DELETE FROM persona_names_test');
  },
  async apply(events: readonly RecordedEvent[], db: Queryable) {
    for (const event of events) {
      const { name } = event.data as { name: string };
      if (event.type === 'PersonaCreated') await db.query('INSERT INTO persona_names_test VALUES ($1, $2, 0)', [event.streamId, name]);
      else await db.query('UPDATE persona_names_test SET name = $2, renames = renames + 1 WHERE stream_id = $1', [event.streamId, name]);
    }
  },
};

describe('projections (real PostgreSQL)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  const names = async () => dataSource.query('SELECT stream_id, name, renames FROM persona_names_test ORDER BY stream_id');
  const index = async () => dataSource.query('SELECT stream_id, category, version, last_type, created_at, updated_at FROM stream_index ORDER BY stream_id');

  beforeAll(async () => {
    database = await createTestDatabase('proj');
    dataSource = await connectDatabase({ url: database.url });
    await migrate(dataSource);
    store = new PostgresEventStore(dataSource);
    for (const projection of [personaNames, streamIndexProjection]) await projection.setup(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('a rebuild from position 0 equals the projection kept live while events arrived', async () => {
    for (let i = 0; i < 30; i++) {
      const stream = `persona-${i % 7}`;
      const exists = (await store.readStream(stream)).length > 0;
      await store.appendToStream(stream, [{ type: exists ? 'PersonaRenamed' : 'PersonaCreated', data: { name: `name-${i}` } }]);
      await store.appendToStream(`gateway-${i % 3}`, [{ type: 'GatewayCatalogChanged', data: { i } }]);
      if (i % 4 === 0) {
        // live: small batches, interleaved with the writes
        await catchUpProjection(dataSource, store, personaNames, { batchSize: 3 });
        await catchUpProjection(dataSource, store, streamIndexProjection, { batchSize: 5 });
      }
    }
    await catchUpProjection(dataSource, store, personaNames, { batchSize: 3 });
    await catchUpProjection(dataSource, store, streamIndexProjection, { batchSize: 5 });
    const liveNames = await names();
    const liveIndex = await index();
    expect(liveNames).toHaveLength(7);
    expect(liveNames.find((row: { stream_id: string }) => row.stream_id === 'persona-1')).toEqual({ stream_id: 'persona-1', name: 'name-29', renames: 4 });
    expect(liveIndex).toHaveLength(10);

    await rebuildProjection(dataSource, store, personaNames);
    await rebuildProjection(dataSource, store, streamIndexProjection);
    expect(await names()).toEqual(liveNames);
    expect(await index()).toEqual(liveIndex);
  });

  it('moves its checkpoint past events of types it does not handle', async () => {
    await store.appendToStream('gateway-9', [{ type: 'GatewayCatalogChanged', data: {} }]);
    await catchUpProjection(dataSource, store, personaNames);
    expect(await readCheckpoint(dataSource, 'projection:persona_names_test')).toBe(await store.headPosition());
  });

  it('with --until, rebuilds the state as it was at that moment; without, the present state', async () => {
    await store.appendToStream('persona-audit', [{ type: 'PersonaCreated', data: { name: 'before' } }]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const moment = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.appendToStream('persona-audit', [{ type: 'PersonaRenamed', data: { name: 'after' } }]);
    await store.appendToStream('persona-later', [{ type: 'PersonaCreated', data: { name: 'later' } }]);

    const asOf = await rebuildProjection(dataSource, store, personaNames, { until: moment });
    const then = await names();
    expect(then.find((row: { stream_id: string }) => row.stream_id === 'persona-audit')).toEqual({ stream_id: 'persona-audit', name: 'before', renames: 0 });
    expect(then.find((row: { stream_id: string }) => row.stream_id === 'persona-later')).toBeUndefined();
    expect(asOf.checkpoint).toBeLessThan(await store.headPosition());

    await rebuildProjection(dataSource, store, personaNames);
    const now = await names();
    expect(now.find((row: { stream_id: string }) => row.stream_id === 'persona-audit')).toEqual({ stream_id: 'persona-audit', name: 'after', renames: 1 });
    expect(now.find((row: { stream_id: string }) => row.stream_id === 'persona-later')).toBeDefined();
  });

  it('never applies an event twice when two replicas catch up the same projection at once', async () => {
    for (let i = 0; i < 50; i++) await store.appendToStream(`persona-r${i}`, [{ type: 'PersonaCreated', data: { name: `r${i}` } }]);
    // A double apply would violate the primary key and fail the whole catch-up.
    const results = await Promise.all([1, 2, 3].map(() => catchUpProjection(dataSource, store, personaNames, { batchSize: 7 })));
    expect(results.reduce((sum, r) => sum + r.applied, 0)).toBe(50);
    expect((await names()).filter((row: { stream_id: string }) => row.stream_id.startsWith('persona-r'))).toHaveLength(50);
  });
});
