import { metrics, ValueType } from '@opentelemetry/api';

let appended: ReturnType<ReturnType<typeof metrics.getMeter>['createCounter']> | undefined;

/** Counts appended events; created lazily, once the meter provider is installed. */
export function countAppended(events: number): void {
  appended ??= metrics.getMeter('persona-gateway.eventstore').createCounter('pgw_events_appended', {
    description: 'Events appended to the event store by this process',
    valueType: ValueType.INT,
  });
  appended.add(events);
}
