import type { RecordedEvent } from '@persona-gateway/contracts';
import type { Projection } from './projection.js';
import type { Queryable } from './queryable.js';

/**
 * One row per stream: its category, current version, last event type and times.
 * Answers "which streams exist, and when did each last change" without scanning events.
 */
export const streamIndexProjection: Projection = {
  name: 'stream_index',
  handles: 'all',

  async setup(db: Queryable) {
    await db.query(`
      CREATE TABLE IF NOT EXISTS stream_index (
        stream_id  text        PRIMARY KEY,
        category   text        NOT NULL,
        version    integer     NOT NULL,
        last_type  text        NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  },

  async reset(db: Queryable) {
    await db.query('DELETE FROM stream_index');
  },

  async apply(events: readonly RecordedEvent[], db: Queryable) {
    // Fold the batch per stream first: one upsert row per stream, not per event.
    const latest = new Map<string, { first: RecordedEvent; last: RecordedEvent }>();
    for (const event of events) {
      const entry = latest.get(event.streamId);
      if (entry) entry.last = event;
      else latest.set(event.streamId, { first: event, last: event });
    }
    const rows = [...latest.values()];
    await db.query(
      `INSERT INTO stream_index (stream_id, category, version, last_type, created_at, updated_at)
       SELECT s, split_part(s, '-', 1), v, t, c::timestamptz, u::timestamptz
       FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS r(s, v, t, c, u)
       ON CONFLICT (stream_id) DO UPDATE
         SET version = EXCLUDED.version, last_type = EXCLUDED.last_type, updated_at = EXCLUDED.updated_at`,
      [
        rows.map((r) => r.last.streamId),
        rows.map((r) => r.last.version),
        rows.map((r) => r.last.type),
        rows.map((r) => r.first.recordedAt),
        rows.map((r) => r.last.recordedAt),
      ],
    );
  },
};
