import type { EventJournal } from '@persona-gateway/eventstore';
import { callEventType, type CallRecord } from './call-events.js';

/**
 * Puts a call's event in the local journal, which ships it to the event store in
 * batches. When `record` returns the event survives a crash of any process; with
 * CALL_JOURNAL_FSYNC, only once the promise it returns resolves (a grouped disk flush).
 */
export class CallRecorder {
  constructor(
    private readonly journal: EventJournal,
    private readonly stream: string,
  ) {}

  record(record: CallRecord): Promise<void> | undefined {
    return this.journal.append(this.stream, {
      type: callEventType(record.outcome),
      data: record,
      // The call id is the journal's key against storing an event twice after a crash.
      metadata: { actor: record.principal.id, correlationId: record.callId },
    });
  }
}
