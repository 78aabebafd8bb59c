import type { EventMetadata, RecordedEvent } from '@persona-gateway/contracts';
import { countAppended } from './metrics.js';
import { CONFLICT_SQLSTATE } from './migrations.js';
import { ExpectedVersionConflictError, type ExpectedVersion } from './errors.js';
import type { Queryable } from './queryable.js';

export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: EventMetadata;
}

export interface AppendResult {
  /** The stream's version after the append: pass it as the next expectedVersion. */
  readonly nextExpectedVersion: number;
  readonly lastPosition: number;
}

export interface ReadAllOptions {
  /** Exclusive: events after this global position. */
  readonly after?: number;
  readonly limit?: number;
  readonly types?: readonly string[];
  /** Inclusive upper bound on the global position. */
  readonly upTo?: number;
  /** Only events recorded at or before this time. */
  readonly until?: Date;
}

export const DEFAULT_READ_LIMIT = 1_000;

const COLUMNS = `position, stream_id, version, type, data, metadata,
  to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at`;

/**
 * The append-only event store on PostgreSQL.
 *
 * Every append takes one transaction-scoped advisory lock before it draws positions
 * and holds it until commit. So global positions become visible strictly in order:
 * a reader that sees position n has already been able to see every position below n,
 * and a checkpoint can never skip an event of a transaction still in flight. The
 * price is one append at a time across the database, which batching makes cheap.
 */
export class PostgresEventStore {
  constructor(private readonly db: Queryable) {}

  /** Appends atomically; `expectedVersion` guards against concurrent writers. */
  async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion; db?: Queryable } = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('appendToStream: events must not be empty');
    const expected = options.expectedVersion ?? 'any';
    const expectedParam = expected === 'any' ? null : expected === 'no_stream' ? 0 : expected === 'stream_exists' ? -2 : expected;
    if (typeof expectedParam === 'number' && expectedParam !== -2 && (!Number.isInteger(expectedParam) || expectedParam < 0)) {
      throw new TypeError(`appendToStream: expectedVersion must be a non-negative integer, 'any', 'no_stream' or 'stream_exists'`);
    }
    try {
      const rows: Array<{ out_position: string; out_version: number }> = await (options.db ?? this.db).query(
        'SELECT out_position, out_version FROM pgw_append_to_stream($1, $2, $3, $4, $5)',
        [
          streamId,
          expectedParam,
          events.map((event) => event.type),
          events.map((event) => JSON.stringify(event.data)),
          events.map((event) => JSON.stringify(event.metadata ?? {})),
        ],
      );
      const last = rows[rows.length - 1]!;
      countAppended(rows.length);
      return { nextExpectedVersion: last.out_version, lastPosition: Number(last.out_position) };
    } catch (error) {
      const pgError = (error as { driverError?: { code?: string; detail?: string } }).driverError ?? (error as { code?: string; detail?: string });
      if (pgError.code === CONFLICT_SQLSTATE) {
        throw new ExpectedVersionConflictError(streamId, expected, Number(pgError.detail));
      }
      throw error;
    }
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number; db?: Queryable } = {}): Promise<RecordedEvent[]> {
    const rows = await (options.db ?? this.db).query(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`,
      [streamId, options.fromVersion ?? 1, options.limit ?? 2_147_483_647],
    );
    return rows.map(toRecordedEvent);
  }

  /** Events of every stream in global (= commit) order. */
  async readAll(options: ReadAllOptions & { db?: Queryable } = {}): Promise<RecordedEvent[]> {
    const conditions = ['position > $1'];
    const params: unknown[] = [options.after ?? 0, options.limit ?? DEFAULT_READ_LIMIT];
    if (options.types && options.types.length > 0) {
      params.push(options.types);
      conditions.push(`type = ANY($${params.length})`);
    }
    if (options.until) {
      params.push(options.until.toISOString());
      conditions.push(`recorded_at <= $${params.length}`);
    }
    const rows = await (options.db ?? this.db).query(
      `SELECT ${COLUMNS} FROM events WHERE ${conditions.join(' AND ')} ORDER BY position LIMIT $2`,
      params,
    );
    // The upper bound is applied here, not in SQL: a range on both sides tempts the planner
    // (with fresh, unanalysed statistics) into a bitmap scan and a sort, three times slower.
    const upTo = options.upTo;
    const events: RecordedEvent[] = [];
    for (const row of rows) {
      if (upTo !== undefined && Number(row.position) > upTo) break;
      events.push(toRecordedEvent(row));
    }
    return events;
  }

  /** The highest committed position (0 for an empty store). */
  async headPosition(db: Queryable = this.db): Promise<number> {
    const [row] = await db.query('SELECT coalesce(max(position), 0) AS head FROM events');
    return Number(row.head);
  }
}

function toRecordedEvent(row: {
  position: string;
  stream_id: string;
  version: number;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: string;
}): RecordedEvent {
  return {
    position: Number(row.position),
    streamId: row.stream_id,
    version: row.version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
