import type { Queryable } from './queryable.js';

/**
 * Names the database a journal's files are meant for (cluster and database), so that
 * files left in a directory are never shipped into another database: a test database,
 * or another cluster a directory was pointed at.
 */
export async function databaseIdentity(db: Queryable): Promise<string> {
  const [row] = await db.query(`SELECT (SELECT system_identifier::text FROM pg_control_system()) AS cluster, current_database() AS name`);
  return `${row.cluster}/${row.name}`;
}

/**
 * Which of `keys` (correlation ids) the stream already holds.
 *
 * It looks only at the stream's last `keys.length` events. That is enough because a
 * journal is its streams' only writer, ships them in order and removes files in order:
 * any of these events that reached the store is among the stream's newest. It also
 * keeps the query on an index range, however long the stream has grown.
 */
export async function presentKeys(db: Queryable, stream: string, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows: Array<{ key: string }> = await db.query(
    `SELECT metadata->>'correlationId' AS key FROM events
     WHERE stream_id = $1
       AND version > (SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1) - $3
       AND metadata->>'correlationId' = ANY($2)`,
    [stream, keys, keys.length],
  );
  return new Set(rows.map((row) => row.key));
}
