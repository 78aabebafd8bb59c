import type { GatewayConfig } from '@persona-gateway/config';
import { openDatabase } from '../database.js';

export const DEFAULT_EVENTS_LIMIT = 100;

/** `persona-gateway events`: the event history, oldest first, filtered. */
export async function events(
  config: GatewayConfig,
  options: { stream?: string; type?: string; after?: string; limit?: string; json?: boolean },
): Promise<number> {
  const after = Number(options.after ?? 0);
  const limit = Number(options.limit ?? DEFAULT_EVENTS_LIMIT);
  if (!Number.isInteger(after) || after < 0) return usage(`--after must be a position (a whole number), got "${options.after}"`);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) return usage(`--limit must be a whole number from 1 to 100000, got "${options.limit}"`);
  const db = await openDatabase(config);
  try {
    const found = options.stream
      ? (await db.store.readStream(options.stream)).filter((e) => e.position > after && (!options.type || e.type === options.type)).slice(0, limit)
      : await db.store.readAll({ after, limit, types: options.type ? [options.type] : undefined });
    for (const event of found) {
      if (options.json) process.stdout.write(`${JSON.stringify(event)}\n`);
      else process.stdout.write(`${event.position}\t${event.recordedAt}\t${event.streamId}@${event.version}\t${event.type}\t${event.metadata.actor ?? '-'}\n`);
    }
    if (!options.json) process.stderr.write(`${found.length} event(s)\n`);
    return 0;
  } finally {
    await db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`events: ${message}\n`);
  return 2;
}
