import type { DataSource } from 'typeorm';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import type { PostgresEventStore } from './event-store.js';
import { projectionCheckpoint, type Projection } from './projection.js';
import type { Queryable } from './queryable.js';

export const DEFAULT_PROJECTION_BATCH = 5_000;

export interface CatchUpResult {
  readonly applied: number;
  readonly checkpoint: number;
}

/**
 * Moves a projection forward from its checkpoint. Events and the new checkpoint are
 * written in one transaction, with the checkpoint row locked, so replicas running the
 * same projection never apply an event twice and a crash never half-applies a batch.
 */
export async function catchUpProjection(
  dataSource: DataSource,
  store: PostgresEventStore,
  projection: Projection,
  options: { batchSize?: number } = {},
): Promise<CatchUpResult> {
  const batchSize = options.batchSize ?? DEFAULT_PROJECTION_BATCH;
  let applied = 0;
  for (;;) {
    const step = await dataSource.transaction((tx) => applyBatch(tx, store, projection, { batchSize }));
    applied += step.applied;
    if (!step.more) return { applied, checkpoint: step.checkpoint };
  }
}

/**
 * Drops the projection's state and replays its events from position 0, in one
 * transaction: readers see the old state until the new one is complete. With
 * `until`, only events recorded at or before that time are replayed, which shows the
 * read model as it was then.
 */
export async function rebuildProjection(
  dataSource: DataSource,
  store: PostgresEventStore,
  projection: Projection,
  options: { until?: Date; batchSize?: number } = {},
): Promise<CatchUpResult> {
  return dataSource.transaction(async (tx) => {
    await projection.setup(tx);
    await readCheckpoint(tx, projectionCheckpoint(projection), { lock: true });
    await projection.reset(tx);
    await writeCheckpoint(tx, projectionCheckpoint(projection), 0);
    let applied = 0;
    for (;;) {
      const step = await applyBatch(tx, store, projection, { batchSize: options.batchSize ?? DEFAULT_PROJECTION_BATCH, until: options.until });
      applied += step.applied;
      if (!step.more) return { applied, checkpoint: step.checkpoint };
    }
  });
}

async function applyBatch(
  tx: Queryable,
  store: PostgresEventStore,
  projection: Projection,
  options: { batchSize: number; until?: Date },
): Promise<{ applied: number; checkpoint: number; more: boolean }> {
  const name = projectionCheckpoint(projection);
  const from = await readCheckpoint(tx, name, { lock: true });
  // Read the head first: every position up to it is committed (see PostgresEventStore),
  // so the checkpoint may move to it even when none of those events are of our types.
  const head = options.until ? await untilHead(tx, options.until) : await store.headPosition(tx);
  if (head <= from) return { applied: 0, checkpoint: from, more: false };
  const events = await store.readAll({ after: from, upTo: head, limit: options.batchSize, types: projection.handles === 'all' ? undefined : projection.handles, db: tx });
  if (events.length > 0) await projection.apply(events, tx);
  const full = events.length === options.batchSize;
  const checkpoint = full ? events[events.length - 1]!.position : head;
  await writeCheckpoint(tx, name, checkpoint);
  return { applied: events.length, checkpoint, more: full };
}

async function untilHead(db: Queryable, until: Date): Promise<number> {
  const [row] = await db.query('SELECT coalesce(max(position), 0) AS head FROM events WHERE recorded_at <= $1', [until.toISOString()]);
  return Number(row.head);
}
