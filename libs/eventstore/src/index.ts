export * from './checkpoints.js';
export { connectDatabase, migrate, type DatabaseOptions } from './data-source.js';
export { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
export { canConnect, freePort } from './net.js';
export * from './errors.js';
export * from './event-store.js';
export * from './event-journal.js';
export type { JournalLog } from './journal-recovery.js';
export { DedicatedConnection, poolOf } from './notifications.js';
export * from './event-follower.js';
export * from './projection.js';
export * from './projection-runner.js';
export * from './publisher.js';
export type { Queryable } from './queryable.js';
export { streamIndexProjection } from './stream-index.projection.js';
import { streamIndexProjection } from './stream-index.projection.js';

/** Read models every deployment keeps, whatever services it runs. */
export const BUILT_IN_PROJECTIONS = [streamIndexProjection] as const;
export { WorkerLoop } from './worker-loop.js';
