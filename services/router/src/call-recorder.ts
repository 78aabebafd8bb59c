import type { PostgresEventStore } from '@persona-gateway/eventstore';
import { callEventType, type CallRecord } from './call-events.js';

export const MAX_BATCH = 500;

interface Waiting {
  readonly record: CallRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: a call's event is durable in PostgreSQL before the call is answered.
 * While one append is in flight, the calls finishing meanwhile queue up and go in the
 * next append together, so under load many calls share one commit, and at concurrency
 * 1 the cost is one append round trip (no timer delays it).
 */
export class CallRecorder {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly stream: string,
  ) {}

  record(record: CallRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.store.appendToStream(
          this.stream,
          batch.map(({ record }) => ({ type: callEventType(record.outcome), data: record, metadata: { actor: record.principal.id, correlationId: record.callId } })),
        );
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.flushing = false;
  }
}
