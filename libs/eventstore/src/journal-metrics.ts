import { metrics, ValueType } from '@opentelemetry/api';

const journals = new Set<{ readonly pendingCount: number }>();
let registered = false;

/**
 * Reports the events journaled but not yet in PostgreSQL: while the database is away it
 * grows towards the journal's cap, beyond which calls fail. Registered lazily, once the
 * meter provider is installed. Returns the function that stops reporting this journal.
 */
export function observePending(journal: { readonly pendingCount: number }): () => void {
  if (!registered) {
    registered = true;
    metrics
      .getMeter('persona-gateway.eventstore')
      .createObservableGauge('pgw_journal_pending_events', { description: 'Events journaled on local disk and not yet appended to the event store', valueType: ValueType.INT })
      .addCallback((result) => {
        let pending = 0;
        for (const item of journals) pending += item.pendingCount;
        result.observe(pending);
      });
  }
  journals.add(journal);
  return () => journals.delete(journal);
}
