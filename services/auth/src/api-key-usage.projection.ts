import type { RecordedEvent } from '@persona-gateway/contracts';
import type { Projection, Queryable } from '@persona-gateway/eventstore';

const API_KEY_PRINCIPAL = /^apikey:([0-9a-f]{16})$/;

/**
 * When each API key was last used, from the router's call events, kept in PostgreSQL with
 * a checkpoint. Only its latest batch is read when the gateway starts, where an in-memory
 * read model would replay every call ever made. The time is the call's own (`startedAt`),
 * not when its event reached the store.
 */
export const apiKeyUsageProjection: Projection = {
  name: 'api_key_usage',
  handles: ['ToolCallCompleted', 'ToolCallFailed'],

  async setup(db: Queryable) {
    await db.query(`
      CREATE TABLE IF NOT EXISTS api_key_usage (
        key_id       text        PRIMARY KEY,
        last_used_at timestamptz NOT NULL
      )`);
  },

  async reset(db: Queryable) {
    await db.query('DELETE FROM api_key_usage');
  },

  async apply(events: readonly RecordedEvent[], db: Queryable) {
    // One row per key and batch: the latest call wins.
    const latest = new Map<string, string>();
    for (const event of events) {
      const data = event.data as { principal?: { id?: string }; startedAt?: string };
      const id = API_KEY_PRINCIPAL.exec(data.principal?.id ?? '')?.[1];
      if (!id) continue;
      const at = typeof data.startedAt === 'string' ? data.startedAt : event.recordedAt;
      const known = latest.get(id);
      if (known === undefined || Date.parse(at) > Date.parse(known)) latest.set(id, at);
    }
    if (latest.size === 0) return;
    await db.query(
      `INSERT INTO api_key_usage (key_id, last_used_at)
       SELECT k, t::timestamptz FROM unnest($1::text[], $2::text[]) AS r(k, t)
       ON CONFLICT (key_id) DO UPDATE SET last_used_at = GREATEST(api_key_usage.last_used_at, EXCLUDED.last_used_at)`,
      [[...latest.keys()], [...latest.values()]],
    );
  },
};

/** Last use of each of `ids` (ISO 8601), for those used at all. */
export async function lastUsedOf(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows: Array<{ key_id: string; last_used_at: string }> = await db.query(
    `SELECT key_id, to_char(last_used_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_used_at FROM api_key_usage WHERE key_id = ANY($1)`,
    [ids],
  );
  return new Map(rows.map((row) => [row.key_id, row.last_used_at]));
}
