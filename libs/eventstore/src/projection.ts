import type { RecordedEvent } from '@persona-gateway/contracts';
import type { Queryable } from './queryable.js';

/**
 * A read model kept in PostgreSQL. It is derived data only: `reset` plus a replay
 * of its event types from position 0 must reproduce it exactly.
 */
export interface Projection {
  /** Stable name; also its checkpoint's name. */
  readonly name: string;
  /** The event types it reads (others never reach `apply`), or 'all'. */
  readonly handles: readonly string[] | 'all';
  /** Creates its tables when missing. Idempotent. */
  setup(db: Queryable): Promise<void>;
  /** Empties its tables before a rebuild. */
  reset(db: Queryable): Promise<void>;
  /** Applies events in position order, inside the caller's transaction. */
  apply(events: readonly RecordedEvent[], db: Queryable): Promise<void>;
}

export const projectionCheckpoint = (projection: Projection): string => `projection:${projection.name}`;
