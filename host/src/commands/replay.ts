import type { GatewayConfig } from '@persona-gateway/config';
import { rebuildProjection } from '@persona-gateway/eventstore';
import { openDatabase } from '../database.js';
import { ALL_PROJECTIONS } from '../projections.js';

/**
 * `persona-gateway replay [--projection <name>] [--until <time>]`: drops read models and
 * rebuilds them from the event history; with --until, as they were at that moment.
 */
export async function replay(config: GatewayConfig, options: { projection?: string; until?: string }): Promise<number> {
  const until = options.until === undefined ? undefined : new Date(options.until);
  if (until && Number.isNaN(until.getTime())) {
    process.stderr.write(`replay: --until must be an ISO 8601 time such as 2026-11-24T09:30:00Z (got "${options.until}")\n`);
    return 2;
  }
  const projections = options.projection ? ALL_PROJECTIONS.filter((p) => p.name === options.projection) : ALL_PROJECTIONS;
  if (projections.length === 0) {
    process.stderr.write(`replay: no projection named "${options.projection}" (known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')})\n`);
    return 2;
  }
  const db = await openDatabase(config);
  try {
    for (const projection of projections) {
      const started = performance.now();
      const result = await rebuildProjection(db.dataSource, db.store, projection, { until });
      const ms = Math.round(performance.now() - started);
      process.stdout.write(
        `rebuilt ${projection.name}: ${result.applied} events replayed up to position ${result.checkpoint}${until ? ` (as of ${until.toISOString()})` : ''} in ${ms} ms\n`,
      );
    }
    if (until) process.stdout.write('note: a running gateway moves these read models forward again as new events arrive\n');
    return 0;
  } finally {
    await db.close();
  }
}
