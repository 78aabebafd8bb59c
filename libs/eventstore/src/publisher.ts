import type { Bus } from '@persona-gateway/bus';
import { eventCommitted } from '@persona-gateway/contracts';
import type { DataSource } from 'typeorm';
import { readCheckpoint, writeCheckpoint } from './checkpoints.js';
import type { PostgresEventStore } from './event-store.js';
import { DedicatedConnection } from './notifications.js';
import { WorkerLoop } from './worker-loop.js';

export const PUBLISHER_CHECKPOINT = 'publisher:bus';
const PUBLISHER_LOCK_KEY = 7_404_201_002;
export const DEFAULT_PUBLISH_BATCH = 500;
export const DEFAULT_PUBLISH_POLL_MS = 1_000;
/** Appends within this window go out in one batch (the price: that much delivery latency). */
export const DEFAULT_PUBLISH_DEBOUNCE_MS = 10;
/**
 * How often the leader saves its checkpoint. In between it keeps the position in memory: a
 * crash re-sends at most this much (consumers drop repeats by position), and a busy gateway
 * does not pay two extra queries for every batch it publishes.
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;

export interface PublisherOptions {
  readonly batchSize?: number;
  readonly pollMs?: number;
  readonly debounceMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Forwards committed events to the bus in commit order, at least once.
 *
 * One publisher is active per database: every instance competes for a session advisory
 * lock and only its holder publishes, so replicas can all run one safely. After each
 * batch it waits for the bus to confirm (a NATS round trip) before moving its checkpoint;
 * a crash in between re-sends that batch, which consumers drop by position.
 */
export class EventPublisher {
  private connection: DedicatedConnection | undefined;
  private leader = false;
  /** While leader: the last position published and confirmed by the bus, and what is saved. */
  private published: number | undefined;
  private saved = 0;
  private savedAt = 0;
  private readonly loop: WorkerLoop;
  private readonly batchSize: number;
  private readonly log: (message: string) => void;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: PostgresEventStore,
    private readonly bus: Bus,
    options: PublisherOptions = {},
  ) {
    this.batchSize = options.batchSize ?? DEFAULT_PUBLISH_BATCH;
    this.log = options.log ?? (() => undefined);
    this.loop = new WorkerLoop(
      () => this.tick(),
      options.pollMs ?? DEFAULT_PUBLISH_POLL_MS,
      (error) => this.log(`event publisher: ${error instanceof Error ? error.message : String(error)}`),
      options.debounceMs ?? DEFAULT_PUBLISH_DEBOUNCE_MS,
    );
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.loop.start();
  }

  /** Publishes everything committed so far (when leader); used by tests and at shutdown. */
  async drain(): Promise<void> {
    await this.loop.runNow();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.saveCheckpoint(true).catch((error: unknown) => this.log(`event publisher: checkpoint not saved at stop: ${error instanceof Error ? error.message : String(error)}`));
    await this.connection?.close();
    this.connection = undefined;
    this.leader = false;
  }

  private async tick(): Promise<void> {
    if (!this.connection) {
      this.connection = await DedicatedConnection.open(
        this.dataSource,
        // Appends concern the leader. The others try for the lock at the poll's pace (a
        // leader's successor takes over within one poll), not one query per append each.
        () => {
          if (this.leader) this.loop.wake();
        },
        () => {
          // Losing the connection loses the lock: step down, reconnect on the next tick.
          this.leader = false;
          this.published = undefined;
          const lost = this.connection;
          this.connection = undefined;
          void lost?.close();
        },
      );
    }
    if (!this.leader) {
      this.leader = await this.connection.tryLock(PUBLISHER_LOCK_KEY);
      if (!this.leader) return;
      // A new leader starts from what the last one saved: at least once, never a gap.
      this.published = this.saved = await readCheckpoint(this.dataSource, PUBLISHER_CHECKPOINT);
      this.savedAt = Date.now();
    }
    for (;;) {
      const events = await this.store.readAll({ after: this.published ?? 0, limit: this.batchSize });
      if (events.length > 0) {
        for (const event of events) {
          await this.bus.publish(eventCommitted(event.type), event, { headers: event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {} });
        }
        await this.bus.ping();
        this.published = events[events.length - 1]!.position;
      }
      await this.saveCheckpoint(false);
      if (events.length < this.batchSize) return;
    }
  }

  /** Saves the published position when it moved and the interval has passed (or `now`). */
  private async saveCheckpoint(now: boolean): Promise<void> {
    const position = this.published;
    if (!this.leader || position === undefined || position === this.saved) return;
    if (!now && Date.now() - this.savedAt < CHECKPOINT_INTERVAL_MS) return;
    await writeCheckpoint(this.dataSource, PUBLISHER_CHECKPOINT, position);
    this.saved = position;
    this.savedAt = Date.now();
  }
}

/**
 * Consumer-side guard for at-least-once delivery: remembers the highest position applied
 * and drops redeliveries. Events arrive in order, so one number is enough.
 */
export class PositionGuard {
  constructor(private last = 0) {}
  get position(): number {
    return this.last;
  }
  /** True when the event is new and should be applied. */
  accept(position: number): boolean {
    if (position <= this.last) return false;
    this.last = position;
    return true;
  }
}
