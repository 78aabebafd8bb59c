import { NatsBus, type Bus } from '@persona-gateway/bus';
import { EventCommittedAny, eventCommitted, type RecordedEvent } from '@persona-gateway/contracts';
import { connectDatabase, EventPublisher, migrate, PositionGuard, PostgresEventStore } from '@persona-gateway/eventstore';
import { createTestDatabase, eventually, type TestDatabase } from '@persona-gateway/testing';
import type { DataSource } from 'typeorm';

describe('event publisher (real PostgreSQL, real nats-server)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let bus: NatsBus;
  let subscriberBus: NatsBus;
  const received: RecordedEvent[] = [];
  let prefix = '';

  beforeAll(async () => {
    database = await createTestDatabase('pub');
    dataSource = await connectDatabase({ url: database.url, poolSize: 12 });
    await migrate(dataSource);
    store = new PostgresEventStore(dataSource);
    bus = await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'publisher-test' });
    subscriberBus = await NatsBus.connect({ servers: process.env.PGW_TEST_NATS_URL!, name: 'subscriber-test' });
    // Other suites share this nats-server: keep only this database's streams.
    prefix = `pub${Date.now()}`;
    // Every type, as an audit feed or an integration would subscribe.
    await subscriberBus.subscribe(EventCommittedAny, (event) => {
      if (event.streamId.startsWith(prefix)) received.push(event);
    });
  });

  afterAll(async () => {
    await bus?.close();
    await subscriberBus?.close();
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(() => {
    received.length = 0;
  });

  const positionsInStore = async () => (await store.readAll({ limit: 100_000 })).filter((e) => e.streamId.startsWith(`${prefix}-w`)).map((e) => e.position);

  it('holds back a transaction still in flight and delivers overlapping transactions in commit order', async () => {
    const publisher = new EventPublisher(dataSource, store, bus);
    const first = dataSource.createQueryRunner();
    const second = dataSource.createQueryRunner();
    try {
      await first.startTransaction();
      await second.startTransaction();
      // The second transaction starts its work first, then the first one appends.
      await second.query('SELECT 1');
      await store.appendToStream(`${prefix}-t1`, [{ type: 'Committed', data: { tx: 1 } }], { db: first.manager });
      const secondAppend = store.appendToStream(`${prefix}-t2`, [{ type: 'Committed', data: { tx: 2 } }], { db: second.manager });

      await publisher.drain();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([]); // nothing committed yet, nothing published, nothing skipped

      await first.commitTransaction();
      await secondAppend;
      await publisher.drain();
      await eventually('the first commit', () => received.length === 1);
      await second.commitTransaction();
      await publisher.drain();
      await eventually('both commits', () => received.length === 2);
      expect(received.map((e) => (e.data as { tx: number }).tx)).toEqual([1, 2]);
      expect(received[0]!.position).toBeLessThan(received[1]!.position);
    } finally {
      await first.release();
      await second.release();
      await publisher.stop();
    }
  });

  it('under 8 concurrent writers delivers every event exactly in position order, with no gaps', async () => {
    const publisher = new EventPublisher(dataSource, store, bus, { batchSize: 50, pollMs: 50 });
    publisher.start();
    try {
      await Promise.all(
        Array.from({ length: 8 }, async (_, writer) => {
          for (let i = 0; i < 40; i++) await store.appendToStream(`${prefix}-w${writer}`, [{ type: 'Written', data: { writer, i } }, { type: 'Written', data: { writer, i, second: true } }]);
        }),
      );
      const expected = (await positionsInStore()).filter((position) => received.length === 0 || position >= received[0]!.position);
      await eventually('all events delivered', () => received.length >= expected.length, 20_000);
      const delivered = received.map((e) => e.position);
      expect(delivered).toEqual(expected);
      expect(delivered.length).toBe(8 * 40 * 2);
    } finally {
      await publisher.stop();
    }
  });

  it('after a restart, publishes what was appended while it was down; redeliveries are dropped by position', async () => {
    const guard = new PositionGuard();
    const applied: number[] = [];
    const consumer = await subscriberBus.subscribe(eventCommitted('Written'), (event) => {
      if (event.streamId.startsWith(`${prefix}-restart`) && guard.accept(event.position)) applied.push(event.position);
    });
    try {
      const publisher = new EventPublisher(dataSource, store, bus);
      for (let i = 0; i < 5; i++) await store.appendToStream(`${prefix}-restart`, [{ type: 'Written', data: { i } }]);
      await publisher.drain();
      await publisher.stop();
      for (let i = 5; i < 10; i++) await store.appendToStream(`${prefix}-restart`, [{ type: 'Written', data: { i } }]);

      // A publisher that dies after sending but before saving its checkpoint:
      // its batch goes out again from the next publisher.
      let failPing = true;
      const flaky: Bus = Object.assign(Object.create(Object.getPrototypeOf(bus)), bus, {
        ping: async () => {
          if (failPing) throw new Error('crash before checkpoint');
        },
      });
      const crashing = new EventPublisher(dataSource, store, flaky);
      await expect(crashing.drain()).rejects.toThrow('crash before checkpoint');
      await crashing.stop();
      failPing = false;

      const restarted = new EventPublisher(dataSource, store, bus);
      await restarted.drain();
      await restarted.stop();
      const expected = (await store.readStream(`${prefix}-restart`)).map((e) => e.position);
      await eventually('every event applied once', () => applied.length === 10);
      expect(applied).toEqual(expected);
      // There were redeliveries (they may reach the all-types subscription after the last new event reached this one).
      await eventually('the redeliveries', () => received.filter((e) => e.streamId === `${prefix}-restart`).length > 10);
    } finally {
      await consumer.unsubscribe();
    }
  });

  it("sends each event on its type's subject: a subscriber of one type hears no other", async () => {
    const calls: RecordedEvent[] = [];
    const subscription = await subscriberBus.subscribe(eventCommitted('ToolCallCompleted'), (event) => {
      if (event.streamId.startsWith(`${prefix}-types`)) calls.push(event);
    });
    const publisher = new EventPublisher(dataSource, store, bus);
    try {
      await store.appendToStream(`${prefix}-types`, [
        { type: 'ToolCallCompleted', data: { n: 1 } },
        { type: 'PersonaCreated', data: { n: 2 } },
        { type: 'ToolCallCompleted', data: { n: 3 } },
      ]);
      await publisher.drain();
      await eventually('three events through the pattern', () => received.filter((e) => e.streamId === `${prefix}-types`).length === 3);
      await eventually('two tool-call events', () => calls.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(calls.map((e) => e.data)).toEqual([{ n: 1 }, { n: 3 }]);
      expect(eventCommitted('ToolCallCompleted').subject).toBe('eventstore.committed.tool-call-completed.v1');
      expect(eventCommitted('PersonaCreated').subject).toBe('eventstore.committed.persona-created.v1');
    } finally {
      await subscription.unsubscribe();
      await publisher.stop();
    }
  });

  it('lets only one of two publishers on the same database publish', async () => {
    const a = new EventPublisher(dataSource, store, bus);
    const b = new EventPublisher(dataSource, store, bus);
    try {
      for (let i = 0; i < 5; i++) await store.appendToStream(`${prefix}-leader`, [{ type: 'Written', data: { i } }]);
      await Promise.all([a.drain(), b.drain()]);
      expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
      await eventually('five events', () => received.length === 5);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(received).toHaveLength(5);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
