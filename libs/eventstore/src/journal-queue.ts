import type { NewEvent } from './event-store.js';
import type { Segment } from './journal-segment.js';

/** A journaled event not yet known to be in the store. */
export interface Pending {
  readonly stream: string;
  readonly event: NewEvent;
  readonly segment: Segment;
  done: boolean;
  /** Its last append failed, yet may have committed (the answer lost with the connection). */
  uncertain: boolean;
}

/** Shipped entries at the head are dropped in one slice once there are this many. */
const COMPACT_AFTER = 4_096;

/**
 * Journaled events in journal order. Entries are marked shipped where they stand (a batch
 * of several streams may ship in part) and dropped from the head, so a long backlog
 * drains without copying the array for every batch.
 */
export class PendingQueue {
  private entries: Pending[] = [];
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(entry: Pending): void {
    this.entries.push(entry);
    this.count++;
  }

  /** The oldest `limit` entries not yet shipped, by stream, each stream's in order. */
  batch(limit: number): Map<string, Pending[]> {
    const byStream = new Map<string, Pending[]>();
    let taken = 0;
    for (let index = this.head; index < this.entries.length && taken < limit; index++) {
      const entry = this.entries[index]!;
      if (entry.done) continue;
      taken++;
      const entries = byStream.get(entry.stream) ?? [];
      entries.push(entry);
      byStream.set(entry.stream, entries);
    }
    return byStream;
  }

  shipped(entry: Pending): void {
    entry.done = true;
    entry.segment.shipped++;
    this.count--;
  }

  compact(): void {
    while (this.head < this.entries.length && this.entries[this.head]!.done) this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
