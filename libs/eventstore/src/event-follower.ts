import type { Bus, Subscription } from '@persona-gateway/bus';
import { eventCommitted, type RecordedEvent } from '@persona-gateway/contracts';
import type { PostgresEventStore } from './event-store.js';
import { WorkerLoop } from './worker-loop.js';

/**
 * A read model kept in memory: fed every event of its types, in position order, once. Its
 * types are named (no 'all'): the follower listens on each type's subject, so a process
 * hears nothing of the event types no read model of its follows.
 */
export interface MemoryProjection {
  readonly name: string;
  readonly handles: readonly string[];
  apply(event: RecordedEvent): void;
}

export const DEFAULT_FOLLOW_POLL_MS = 2_000;
const READ_BATCH = 5_000;

interface Followed {
  readonly projection: MemoryProjection;
  position: number;
  readonly loop: WorkerLoop;
}

/**
 * Keeps in-memory projections current. The database is the truth: each projection reads
 * from its own position onwards. A committed-event message on the bus only wakes the
 * readers (it is not applied as such), so a message lost while NATS was away costs
 * latency, never correctness; a slow poll covers that case too.
 */
export class EventFollower {
  private readonly followed: Followed[] = [];
  /** One bus subscription per followed event type. */
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly waiters = new Set<{ position: number; resolve: () => void }>();

  constructor(
    private readonly store: PostgresEventStore,
    private readonly bus: Bus,
    private readonly options: { pollMs?: number; onError?: (error: unknown) => void } = {},
  ) {}

  /** Replays history into the projection, then keeps it current. */
  async follow(projection: MemoryProjection): Promise<void> {
    const entry: Followed = {
      projection,
      position: 0,
      loop: new WorkerLoop(() => this.catchUp(entry), this.options.pollMs ?? DEFAULT_FOLLOW_POLL_MS, (error) => this.options.onError?.(error)),
    };
    this.followed.push(entry);
    await entry.loop.runNow();
    entry.loop.start();
    for (const type of projection.handles) {
      if (this.subscriptions.has(type)) continue;
      this.subscriptions.set(type, await this.bus.subscribe(eventCommitted(type), (event) => this.committed(event)));
    }
  }

  /** Resolves once every followed projection has applied everything up to `position`. */
  async waitFor(position: number, timeoutMs = 5_000): Promise<void> {
    if (this.reached(position)) return;
    for (const item of this.followed) item.loop.wake();
    await new Promise<void>((resolve, reject) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`read models did not reach position ${position} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Catches every projection up now (after this process appended, for read-your-writes). */
  async refresh(): Promise<void> {
    await Promise.all(this.followed.map((item) => item.loop.runNow()));
  }

  async stop(): Promise<void> {
    const subscriptions = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((subscription) => subscription.unsubscribe()));
    await Promise.all(this.followed.map((item) => item.loop.stop()));
  }

  /** Only projections that read this event's type need to look at the database now (a subject may carry two types). */
  private committed(event: RecordedEvent): void {
    for (const item of this.followed) {
      if (event.position > item.position && item.projection.handles.includes(event.type)) item.loop.wake();
    }
  }

  private reached(position: number): boolean {
    return this.followed.every((item) => item.position >= position);
  }

  private async catchUp(entry: Followed): Promise<void> {
    const types = entry.projection.handles;
    for (;;) {
      const head = await this.store.headPosition();
      if (head <= entry.position) break;
      const events = await this.store.readAll({ after: entry.position, upTo: head, limit: READ_BATCH, types });
      for (const event of events) {
        try {
          entry.projection.apply(event);
        } catch (error) {
          // A projection bug must not stall every later event: report it and move on.
          this.options.onError?.(new Error(`projection ${entry.projection.name} failed on event ${event.position} (${event.type}): ${String(error)}`));
        }
      }
      entry.position = events.length === READ_BATCH ? events[events.length - 1]!.position : head;
      if (events.length < READ_BATCH) break;
    }
    for (const waiter of this.waiters) {
      if (this.reached(waiter.position)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
