import { readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { NewEvent, PostgresEventStore } from './event-store.js';
import { keyOf, parseSegment, type SegmentHeader } from './journal-format.js';
import { presentKeys } from './journal-queries.js';
import type { Queryable } from './queryable.js';

export const SEGMENT_SUFFIX = '.jsonl';

export interface JournalLog {
  log(message: string): void;
  warn(message: string): void;
}

export interface RecoveryOptions {
  readonly dir: string;
  readonly database: string;
  readonly store: PostgresEventStore;
  readonly db: Queryable;
  readonly batchSize: number;
  readonly log: JournalLog;
}

export interface RecoverySummary {
  readonly files: number;
  /** Events appended now. */
  readonly appended: number;
  /** Events found already in the store (shipped before the crash, or by an interrupted recovery). */
  readonly present: number;
}

/**
 * Ships what earlier processes journaled and did not ship: each event not yet in its
 * stream is appended to it, in journal order, then the files are removed. A crash during
 * recovery is safe: the next one finds the same files and skips what is already stored.
 */
export async function recoverSegments(options: RecoveryOptions): Promise<RecoverySummary> {
  const { dir, log } = options;
  const names = (await readdir(dir)).filter((name) => name.endsWith(SEGMENT_SUFFIX)).sort();
  const streams = new Map<string, NewEvent[]>();
  const recovered: string[] = [];
  for (const name of names) {
    const { header, records, damaged } = parseSegment(await readFile(join(dir, name), 'utf8'));
    const reason = header ? leaveReason(header, options.database) : records.length > 0 ? 'it has no header' : undefined;
    if (reason) {
      log.warn(`event journal: leaving ${join(dir, name)}: ${reason}`);
      continue;
    }
    for (const line of damaged) log.warn(`event journal: ${name}: skipped line ${line}: not a whole record (a write cut short by a crash)`);
    for (const { stream, event } of records) {
      const events = streams.get(stream) ?? [];
      events.push(event);
      streams.set(stream, events);
    }
    recovered.push(name);
  }
  let appended = 0;
  let present = 0;
  for (const [stream, events] of streams) {
    const stored = await presentKeys(options.db, stream, events.map((event) => keyOf(event)!));
    const missing = events.filter((event) => !stored.has(keyOf(event)!));
    for (let start = 0; start < missing.length; start += options.batchSize) {
      await options.store.appendToStream(stream, missing.slice(start, start + options.batchSize));
    }
    appended += missing.length;
    present += events.length - missing.length;
  }
  for (const name of recovered) await rm(join(dir, name), { force: true });
  if (recovered.length > 0) log.log(`event journal: recovered ${appended} events left by an earlier process (${present} were already stored) from ${recovered.length} files in ${dir}`);
  return { files: recovered.length, appended, present };
}

/** Why a file is not this process's to recover, if it is not. */
function leaveReason(header: SegmentHeader, database: string): string | undefined {
  if (header.database !== database) return `it was written for another database (${header.database})`;
  if (writerAlive(header)) return `its writer (pid ${header.pid}) is still running; two processes must not share a journal directory`;
  return undefined;
}

/**
 * A writer on another host cannot be checked: it is presumed gone, which is why a
 * directory must never be shared across hosts. The same pid as ours is an earlier
 * incarnation (a restarted container).
 */
function writerAlive(header: SegmentHeader): boolean {
  if (header.host !== hostname() || header.pid === process.pid) return false;
  try {
    process.kill(header.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
