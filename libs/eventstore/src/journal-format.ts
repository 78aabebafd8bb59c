import type { NewEvent } from './event-store.js';

export const JOURNAL_FORMAT = 1;

/**
 * The first line of every segment file: who wrote it, from where, for which database.
 * Recovery reads it to leave alone the files of a writer still running on this host
 * and files meant for another database.
 */
export interface SegmentHeader {
  readonly journal: typeof JOURNAL_FORMAT;
  readonly owner: string;
  readonly host: string;
  readonly pid: number;
  readonly database: string;
}

export interface JournalRecord {
  readonly stream: string;
  readonly event: NewEvent;
}

export interface ParsedSegment {
  readonly header: SegmentHeader | undefined;
  readonly records: JournalRecord[];
  /** 1-based numbers of lines that did not parse: a write cut short by a crash (the last line). */
  readonly damaged: number[];
}

/** What recovery and retries deduplicate on: the event's correlation id (a call's id). */
export function keyOf(event: NewEvent): string | undefined {
  const key = event.metadata?.correlationId;
  return typeof key === 'string' && key !== '' ? key : undefined;
}

export function encodeHeader(header: SegmentHeader): Buffer {
  return Buffer.from(`${JSON.stringify(header)}\n`);
}

/** One line per event; short keys, since every call writes one. */
export function encodeRecord(stream: string, event: NewEvent): Buffer {
  return Buffer.from(`${JSON.stringify({ s: stream, t: event.type, d: event.data, m: event.metadata })}\n`);
}

export function parseSegment(text: string): ParsedSegment {
  const lines = text.split('\n');
  // A complete file ends with a newline: the last element is then empty.
  if (lines[lines.length - 1] === '') lines.pop();
  let header: SegmentHeader | undefined;
  const records: JournalRecord[] = [];
  const damaged: number[] = [];
  lines.forEach((line, index) => {
    const value = parseLine(line);
    if (index === 0 && isHeader(value)) header = value;
    else if (isRecord(value)) records.push({ stream: value.s, event: { type: value.t, data: value.d, metadata: value.m } });
    else damaged.push(index + 1);
  });
  return { header, records, damaged };
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isHeader(value: unknown): value is SegmentHeader {
  const header = value as Partial<SegmentHeader> | undefined;
  return header?.journal === JOURNAL_FORMAT && typeof header.owner === 'string' && typeof header.host === 'string' && typeof header.pid === 'number' && typeof header.database === 'string';
}

function isRecord(value: unknown): value is { s: string; t: string; d: unknown; m: NewEvent['metadata'] } {
  const record = value as { s?: unknown; t?: unknown; m?: { correlationId?: unknown } } | undefined;
  return typeof record?.s === 'string' && typeof record.t === 'string' && typeof record.m?.correlationId === 'string';
}
