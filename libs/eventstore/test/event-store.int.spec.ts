import { connectDatabase, migrate, PostgresEventStore, ExpectedVersionConflictError } from '@persona-gateway/eventstore';
import { createTestDatabase, type TestDatabase } from '@persona-gateway/testing';
import type { DataSource } from 'typeorm';

describe('PostgresEventStore (real PostgreSQL)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;

  beforeAll(async () => {
    database = await createTestDatabase('es');
    dataSource = await connectDatabase({ url: database.url, poolSize: 25 });
    await migrate(dataSource);
    store = new PostgresEventStore(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('appends events and reads them back in order with versions, metadata and times', async () => {
    const first = await store.appendToStream('persona-a1', [{ type: 'PersonaCreated', data: { name: 'A' }, metadata: { actor: 'admin', correlationId: 'c-1' } }], {
      expectedVersion: 'no_stream',
    });
    expect(first.nextExpectedVersion).toBe(1);
    const second = await store.appendToStream(
      'persona-a1',
      [
        { type: 'PersonaRenamed', data: { name: 'B' } },
        { type: 'PersonaRenamed', data: { name: 'C', nested: { list: [1, 'two', null] } } },
      ],
      { expectedVersion: 1 },
    );
    expect(second.nextExpectedVersion).toBe(3);
    expect(second.lastPosition).toBeGreaterThan(first.lastPosition);

    const events = await store.readStream('persona-a1');
    expect(events.map((e) => [e.version, e.type, e.data])).toEqual([
      [1, 'PersonaCreated', { name: 'A' }],
      [2, 'PersonaRenamed', { name: 'B' }],
      [3, 'PersonaRenamed', { name: 'C', nested: { list: [1, 'two', null] } }],
    ]);
    expect(events[0]!.metadata).toEqual({ actor: 'admin', correlationId: 'c-1' });
    expect(new Date(events[0]!.recordedAt).getTime()).toBeLessThanOrEqual(new Date(events[2]!.recordedAt).getTime());
    expect(await store.readStream('persona-a1', { fromVersion: 3 })).toHaveLength(1);
    expect(await store.readStream('no-such-stream')).toEqual([]);
  });

  it('enforces every form of expected version with a typed conflict error', async () => {
    await expect(store.appendToStream('persona-b1', [{ type: 'X', data: {} }], { expectedVersion: 'stream_exists' })).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    await store.appendToStream('persona-b1', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' });
    const conflict = await store.appendToStream('persona-b1', [{ type: 'X', data: {} }], { expectedVersion: 'no_stream' }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ExpectedVersionConflictError);
    expect(conflict).toMatchObject({ code: 'CONFLICT', streamId: 'persona-b1', actual: 1 });
    await expect(store.appendToStream('persona-b1', [{ type: 'X', data: {} }], { expectedVersion: 5 })).rejects.toBeInstanceOf(ExpectedVersionConflictError);
    await store.appendToStream('persona-b1', [{ type: 'X', data: {} }], { expectedVersion: 'stream_exists' });
    await store.appendToStream('persona-b1', [{ type: 'X', data: {} }]); // 'any'
    expect((await store.readStream('persona-b1')).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it('refuses misuse with TypeError and leaves the store unchanged', async () => {
    const before = await store.headPosition();
    await expect(store.appendToStream('persona-c1', [])).rejects.toBeInstanceOf(TypeError);
    await expect(store.appendToStream('persona-c1', [{ type: 'X', data: {} }], { expectedVersion: -3 })).rejects.toBeInstanceOf(TypeError);
    await expect(store.appendToStream('persona-c1', [{ type: 'X', data: {} }], { expectedVersion: 1.5 })).rejects.toBeInstanceOf(TypeError);
    expect(await store.headPosition()).toBe(before);
  });

  it('lets exactly one of 20 concurrent writers win each version, with no duplicates and no gaps', async () => {
    const stream = 'persona-race';
    const writers = 20;
    const rounds = 5;
    const wins: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: writers }, (_, writer) =>
          store.appendToStream(stream, [{ type: 'Written', data: { writer, round } }], { expectedVersion: round === 0 ? 'no_stream' : round }),
        ),
      );
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(writers - 1);
      for (const failure of rejected) expect(failure.reason).toBeInstanceOf(ExpectedVersionConflictError);
      wins.push(round);
    }
    const events = await store.readStream(stream);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    expect(events.map((e) => (e.data as { round: number }).round)).toEqual(wins);
  });

  it('keeps versions gap-free when 20 writers retry their conflicts until all land', async () => {
    const stream = 'persona-retry';
    await Promise.all(
      Array.from({ length: 20 }, async (_, writer) => {
        for (;;) {
          const current = (await store.readStream(stream)).length;
          try {
            await store.appendToStream(stream, [{ type: 'Written', data: { writer } }], { expectedVersion: current });
            return;
          } catch (error) {
            if (!(error instanceof ExpectedVersionConflictError)) throw error;
          }
        }
      }),
    );
    const events = await store.readStream(stream);
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => (e.data as { writer: number }).writer)).size).toBe(20);
  });

  it('reads all streams in global position order, from a position, filtered by type, with a limit', async () => {
    const start = await store.headPosition();
    await store.appendToStream('gateway-x', [{ type: 'GatewayRegistered', data: { n: 1 } }]);
    await store.appendToStream('persona-y', [{ type: 'PersonaCreated', data: { n: 2 } }]);
    await store.appendToStream('gateway-x', [{ type: 'GatewayRefreshed', data: { n: 3 } }]);
    const all = await store.readAll({ after: start });
    expect(all.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((a, b) => a - b));
    expect((await store.readAll({ after: start, types: ['GatewayRegistered', 'GatewayRefreshed'] })).map((e) => e.type)).toEqual(['GatewayRegistered', 'GatewayRefreshed']);
    expect(await store.readAll({ after: start, limit: 2 })).toHaveLength(2);
    expect(await store.readAll({ after: all[1]!.position })).toHaveLength(1);
  });

  it('is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE of events', async () => {
    await store.appendToStream('persona-z', [{ type: 'X', data: { keep: true } }]);
    await expect(dataSource.query(`UPDATE events SET data = '{}' WHERE stream_id = 'persona-z'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query(`DELETE FROM events WHERE stream_id = 'persona-z'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query('TRUNCATE events')).rejects.toThrow(/append-only/);
    expect((await store.readStream('persona-z'))[0]!.data).toEqual({ keep: true });
  });

  it('migrates a fresh database exactly once when several processes start at the same moment', async () => {
    const fresh = await createTestDatabase('mig');
    const sources = await Promise.all([1, 2, 3].map(() => connectDatabase({ url: fresh.url, poolSize: 2 })));
    try {
      const applied = await Promise.all(sources.map((ds) => migrate(ds)));
      expect(applied.flat()).toEqual(['EventStore1764000000000']);
      await new PostgresEventStore(sources[0]!).appendToStream('s-1', [{ type: 'X', data: {} }]);
    } finally {
      await Promise.all(sources.map((ds) => ds.destroy()));
      await fresh.drop();
    }
  });
});
