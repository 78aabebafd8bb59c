import { appendFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '@persona-gateway/contracts';
import { connectDatabase, EventJournal, migrate, PostgresEventStore, type EventJournalOptions, type NewEvent } from '@persona-gateway/eventstore';
import { createTestDatabase, eventually, type TestDatabase } from '@persona-gateway/testing';
import pg from 'pg';
import type { DataSource } from 'typeorm';

const call = (id: string): NewEvent => ({ type: 'ToolCallCompleted', data: { callId: id, persona: 'p' }, metadata: { actor: 'key:1', correlationId: id } });
const ids = (prefix: string, count: number, from = 1) => Array.from({ length: count }, (_, i) => `${prefix}-${i + from}`);

describe('EventJournal (real PostgreSQL, real files)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let identity: string;
  const logs: string[] = [];
  const open: EventJournal[] = [];

  const tempDir = () => mkdtemp(join(process.env.PGW_TEST_TMP ?? tmpdir(), 'journal-'));
  const keysIn = async (stream: string) => (await store.readStream(stream)).map((event) => event.metadata.correlationId);
  const journal = async (options: Partial<EventJournalOptions> & { dir: string; owner: string }) => {
    const created = new EventJournal({ store, db: dataSource, log: { log: (m) => logs.push(m), warn: (m) => logs.push(m) }, ...options });
    await created.open();
    open.push(created);
    return created;
  };
  /** The database refuses every connection, as when it is down; `up` lets them in again. */
  const databaseDown = async () => {
    const admin = new pg.Client({ connectionString: process.env.PGW_TEST_DATABASE_URL });
    await admin.connect();
    const name = new URL(database.url).pathname.slice(1);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    return {
      up: async () => {
        await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
        await admin.end();
      },
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase('journal');
    dataSource = await connectDatabase({ url: database.url, poolSize: 4 });
    await migrate(dataSource);
    store = new PostgresEventStore(dataSource);
    const [row] = await dataSource.query(`SELECT (SELECT system_identifier::text FROM pg_control_system()) AS cluster, current_database() AS name`);
    identity = `${row.cluster}/${row.name}`;
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((j) => j.close()));
    logs.length = 0;
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('writes each event to its file before returning, then ships them in order within the flush interval', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'ship', flushIntervalMs: 100 });
    for (const id of ids('ship', 10)) expect(journaled.append('calls-ship', call(id))).toBeUndefined();

    // Already on disk, not yet in the store.
    const [file] = await readdir(dir);
    const lines = (await readFile(join(dir, file!), 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ journal: 1, owner: 'ship', host: hostname(), pid: process.pid, database: identity });
    expect(lines.slice(1).map((line) => JSON.parse(line).m.correlationId)).toEqual(ids('ship', 10));
    expect(await keysIn('calls-ship')).toEqual([]);
    expect(journaled.pendingCount).toBe(10);

    await eventually('the events in the store', async () => ((await keysIn('calls-ship')).length === 10 ? true : undefined), 5_000);
    expect(await keysIn('calls-ship')).toEqual(ids('ship', 10));
    expect((await store.readStream('calls-ship'))[0]).toMatchObject({ type: 'ToolCallCompleted', version: 1, data: { callId: 'ship-1', persona: 'p' }, metadata: { actor: 'key:1' } });
    expect(journaled.pendingCount).toBe(0);
  });

  it('ships a full batch at once, and close() ships the rest and leaves no file behind', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'batch', flushIntervalMs: 3_600_000, batchSize: 50 });
    for (const id of ids('batch', 120)) journaled.append('calls-batch', call(id));
    await eventually('two full batches', async () => ((await keysIn('calls-batch')).length === 100 ? true : undefined), 5_000);
    expect(journaled.pendingCount).toBe(20);

    await journaled.close();
    expect(await keysIn('calls-batch')).toEqual(ids('batch', 120));
    expect(await readdir(dir)).toEqual([]);
    expect(() => journaled.append('calls-batch', call('late'))).toThrow(expect.objectContaining({ code: 'UNAVAILABLE', message: 'The event journal is closed' }));
  });

  it('rotates its files and removes each once all of it is stored', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'rotate', flushIntervalMs: 10, segmentBytes: 2_048 });
    for (const id of ids('rotate', 60)) journaled.append('calls-rotate', call(id));
    expect((await readdir(dir)).length).toBeGreaterThan(3);
    await eventually('the sealed files removed', async () => ((await readdir(dir)).length === 1 && journaled.pendingCount === 0 ? true : undefined), 5_000);
    expect(await readdir(dir)).toEqual([expect.stringMatching(/^rotate-\d{6}\.jsonl$/)]);
    expect(await keysIn('calls-rotate')).toEqual(ids('rotate', 60));
  });

  it('keeps taking events while the database is down, then ships every one exactly once', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'outage', flushIntervalMs: 20 });
    for (const id of ids('outage', 5)) journaled.append('calls-outage', call(id));
    await eventually('the first events stored', async () => ((await keysIn('calls-outage')).length === 5 ? true : undefined), 5_000);

    const outage = await databaseDown();
    try {
      for (const id of ids('outage', 30, 6)) journaled.append('calls-outage', call(id));
      await eventually('a failed ship', () => logs.some((line) => line.includes('cannot ship 30 events')), 5_000);
      expect(journaled.pendingCount).toBe(30);
    } finally {
      await outage.up();
    }
    await eventually('the backlog shipped', () => journaled.pendingCount === 0, 15_000);
    expect(await keysIn('calls-outage')).toEqual(ids('outage', 35));
    expect(logs.some((line) => line.includes('shipping again'))).toBe(true);
  });

  it('does not store twice an append whose answer was lost after it committed', async () => {
    // The real store, which commits and then loses its answer once, as a dropped connection would.
    let loseAnswer = true;
    const losing = Object.assign(Object.create(store) as PostgresEventStore, {
      appendToStream: async (...args: Parameters<PostgresEventStore['appendToStream']>) => {
        const result = await store.appendToStream(...args);
        if (loseAnswer) {
          loseAnswer = false;
          throw new Error('Connection terminated unexpectedly');
        }
        return result;
      },
    });
    const journaled = await journal({ dir: await tempDir(), owner: 'lost', flushIntervalMs: 10, store: losing });
    for (const id of ids('lost', 4)) journaled.append('calls-lost', call(id));
    await eventually('a retry', () => !loseAnswer && journaled.pendingCount === 0, 5_000);
    for (const id of ids('lost', 2, 5)) journaled.append('calls-lost', call(id));
    await eventually('the rest shipped', async () => ((await keysIn('calls-lost')).length >= 6 ? true : undefined), 5_000);
    await journaled.close();
    expect(await keysIn('calls-lost')).toEqual(ids('lost', 6));
  });

  it('refuses events beyond its backlog cap with UNAVAILABLE, and ships the ones it took', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'cap', flushIntervalMs: 3_600_000, maxPending: 5 });
    for (const id of ids('cap', 5)) journaled.append('calls-cap', call(id));
    const refused = (() => {
      try {
        journaled.append('calls-cap', call('cap-6'));
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('5 events are waiting for the event store') });
    await journaled.close();
    expect(await keysIn('calls-cap')).toEqual(ids('cap', 5));
  });

  it('on open, ships what a crashed process left: skips a torn last line and events already stored, in order, once', async () => {
    const dir = await tempDir();
    // A process that shipped one batch of four, journaled two more, then "crashed" (never closed).
    const crashed = new EventJournal({ dir, owner: 'crashed', store, db: dataSource, flushIntervalMs: 3_600_000, batchSize: 4 });
    await crashed.open();
    for (const id of ids('crash', 6)) crashed.append('calls-crashed', call(id));
    await eventually('the first batch stored', async () => ((await keysIn('calls-crashed')).length === 4 ? true : undefined), 5_000);
    const [leftover] = await readdir(dir);
    await appendFile(join(dir, leftover!), '{"s":"calls-crashed","t":"ToolCallCompl');

    // Files that are not this process's to recover: another database's, and a live writer's.
    const header = (fields: object) => JSON.stringify({ journal: 1, owner: 'x', host: hostname(), pid: 1 << 22, database: identity, ...fields });
    const record = JSON.stringify({ s: 'calls-other', t: 'ToolCallCompleted', d: {}, m: { correlationId: 'other-1' } });
    await writeFile(join(dir, 'elsewhere-000001.jsonl'), `${header({ owner: 'elsewhere', database: '1/another' })}\n${record}\n`);
    await writeFile(join(dir, 'alive-000001.jsonl'), `${header({ owner: 'alive', pid: process.ppid })}\n${record}\n`);

    const restarted = await journal({ dir, owner: 'restarted' });
    expect(await keysIn('calls-crashed')).toEqual(ids('crash', 6));
    expect(await keysIn('calls-other')).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['alive-000001.jsonl', 'elsewhere-000001.jsonl', 'restarted-000001.jsonl']);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`${leftover}: skipped line 8: not a whole record`),
        expect.stringContaining('recovered 2 events left by an earlier process (4 were already stored) from 1 files'),
        expect.stringContaining('elsewhere-000001.jsonl: it was written for another database (1/another)'),
        expect.stringContaining(`alive-000001.jsonl: its writer (pid ${process.ppid}) is still running`),
      ]),
    );
    restarted.append('calls-restarted', call('after'));
    await restarted.close();
    expect(await keysIn('calls-restarted')).toEqual(['after']);
  });

  it('stores nothing twice when a recovery was itself cut short', async () => {
    const dir = await tempDir();
    // An earlier recovery appended the first three, then died before removing the files.
    await store.appendToStream('calls-twice', ids('twice', 3).map(call));
    const lines = ids('twice', 5).map((id) => JSON.stringify({ s: 'calls-twice', t: 'ToolCallCompleted', d: { callId: id, persona: 'p' }, m: { actor: 'key:1', correlationId: id } }));
    const header = JSON.stringify({ journal: 1, owner: 'gone', host: 'another-host', pid: 7, database: identity });
    await writeFile(join(dir, 'gone-000001.jsonl'), `${header}\n${lines.slice(0, 2).join('\n')}\n`);
    await writeFile(join(dir, 'gone-000002.jsonl'), `${header}\n${lines.slice(2).join('\n')}\n`);
    await journal({ dir, owner: 'again' });
    expect(await keysIn('calls-twice')).toEqual(ids('twice', 5));
    expect(await readdir(dir)).toEqual(['again-000001.jsonl']);
  });

  it('with fsync, resolves appends after a disk flush shared by the appends made meanwhile, across files', async () => {
    const dir = await tempDir();
    const journaled = await journal({ dir, owner: 'fsync', fsync: true, flushIntervalMs: 3_600_000, segmentBytes: 2_048 });
    const synced = ids('fsync', 40).map((id) => journaled.append('calls-fsync', call(id)));
    // The first starts a flush at once; the other 39 arrive while it runs and share the next,
    // which flushes every file they went to.
    expect(synced[0]).toBeInstanceOf(Promise);
    expect(new Set(synced.slice(1)).size).toBe(1);
    expect(synced[1]).not.toBe(synced[0]);
    expect((await readdir(dir)).length).toBeGreaterThan(2);
    await Promise.all(synced);
    await journaled.close();
    expect(await keysIn('calls-fsync')).toEqual(ids('fsync', 40));
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses misuse with TypeError', async () => {
    const dir = await tempDir();
    expect(() => new EventJournal({ dir, owner: '../escape', store, db: dataSource })).toThrow(TypeError);
    expect(() => new EventJournal({ dir, owner: 'x', store, db: dataSource, flushIntervalMs: 0 })).toThrow(/flushIntervalMs must be a positive whole number/);
    const unopened = new EventJournal({ dir, owner: 'unopened', store, db: dataSource });
    expect(() => unopened.append('s', call('a'))).toThrow(TypeError);
    const journaled = await journal({ dir, owner: 'keyless' });
    expect(() => journaled.append('s', { type: 'X', data: {} })).toThrow(/metadata.correlationId/);
    expect(journaled.pendingCount).toBe(0);
  });
});
