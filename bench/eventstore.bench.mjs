// Event store throughput: batched appends and replay into a projection, on real PostgreSQL.
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectDatabase,
  migrate,
  PostgresEventStore,
  rebuildProjection,
  startEmbeddedPostgres,
  streamIndexProjection,
} from '@persona-gateway/eventstore';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 100;

export async function run(report) {
  const dir = await mkdtemp(join(tmpdir(), 'pgw-bench-'));
  await chmod(dir, 0o711);
  const postgres = await startEmbeddedPostgres(join(dir, 'data'));
  const dataSource = await connectDatabase({ url: postgres.url, poolSize: 8 });
  try {
    await migrate(dataSource);
    const store = new PostgresEventStore(dataSource);
    const event = (i) => ({ type: 'ToolCallCompleted', data: { persona: 'sales', gateway: 'Jira', tool: 'createIssue', ms: i % 97, principal: `key-${i % 13}` }, metadata: { actor: 'bench' } });

    // One writer, batches of BATCH events per append, each batch to its own stream version.
    let started = performance.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      await store.appendToStream(`calls-${(i / BATCH) % 1000}`, Array.from({ length: BATCH }, (_, j) => event(i + j)));
    }
    let seconds = (performance.now() - started) / 1000;
    report('event store: append, 1 writer, batches of 100', `${Math.round(EVENTS / seconds).toLocaleString('en')} events/s`, '>= 10,000 events/s');

    // Four concurrent writers to different streams (they serialise on the append lock).
    started = performance.now();
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (let i = 0; i < EVENTS / 4; i += BATCH) await store.appendToStream(`w${w}-${(i / BATCH) % 250}`, Array.from({ length: BATCH }, (_, j) => event(i + j)));
      }),
    );
    seconds = (performance.now() - started) / 1000;
    report('event store: append, 4 writers, batches of 100', `${Math.round(EVENTS / seconds).toLocaleString('en')} events/s`, '>= 10,000 events/s');

    // Single-event appends: what an unbatched writer pays per event.
    started = performance.now();
    for (let i = 0; i < 2_000; i++) await store.appendToStream(`single-${i % 50}`, [event(i)]);
    seconds = (performance.now() - started) / 1000;
    report('event store: append, 1 event per call', `${Math.round(2_000 / seconds).toLocaleString('en')} events/s (${((seconds / 2_000) * 1000).toFixed(2)} ms each)`, 'for reference');

    const total = await store.headPosition();
    await streamIndexProjection.setup(dataSource);
    started = performance.now();
    const rebuilt = await rebuildProjection(dataSource, store, streamIndexProjection, { batchSize: 10_000 });
    seconds = (performance.now() - started) / 1000;
    report(`replay: ${rebuilt.applied.toLocaleString('en')} events into the stream_index projection`, `${Math.round(rebuilt.applied / seconds).toLocaleString('en')} events/s`, '>= 100,000 events/s');

    // An in-memory read model (the kind the hot path uses), rebuilt by reading every event.
    started = performance.now();
    const perTool = new Map();
    let after = 0;
    for (;;) {
      const batch = await store.readAll({ after, limit: 10_000 });
      if (batch.length === 0) break;
      for (const e of batch) perTool.set(e.data.tool, (perTool.get(e.data.tool) ?? 0) + 1);
      after = batch[batch.length - 1].position;
    }
    seconds = (performance.now() - started) / 1000;
    report(`replay: ${total.toLocaleString('en')} events into an in-memory projection`, `${Math.round(total / seconds).toLocaleString('en')} events/s`, '>= 100,000 events/s');
  } finally {
    await dataSource.destroy();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
