export const DEFAULT_TERMINATED_CAPACITY = 100_000;
// Sweeping a few of the oldest entries per insert keeps the cost flat without a timer.
const SWEEP_PER_ADD = 8;

/**
 * Session keys ended by DELETE (here or, through the bus, on another replica). An entry
 * lives until the session id would have expired anyway, so the set stays small. Past
 * `capacity` the oldest entries go first: a session terminated that long ago could then
 * be used again until it expires, which is the price of bounding memory (NATS KV is the
 * next step: see the README).
 */
export class TerminatedSessions {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly capacity: number = DEFAULT_TERMINATED_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError('TerminatedSessions: capacity must be a positive integer');
  }

  add(key: string, expiresAt: number): void {
    if (expiresAt <= this.now()) return;
    this.entries.delete(key);
    this.entries.set(key, expiresAt);
    this.sweep();
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  has(key: string): boolean {
    const expiresAt = this.entries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.entries.delete(key);
    return false;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    let checked = 0;
    for (const [key, expiresAt] of this.entries) {
      if (checked++ >= SWEEP_PER_ADD) break;
      if (expiresAt <= now) this.entries.delete(key);
    }
  }
}
