import { z } from 'zod';
import { defineEvent } from './contract.js';

export const EventMetadata = z
  .object({
    actor: z.string().optional(),
    correlationId: z.string().optional(),
    causationId: z.string().optional(),
    traceId: z.string().optional(),
    /** W3C traceparent of the span that appended the event, so consumers can link to it. */
    traceparent: z.string().optional(),
  })
  .catchall(z.unknown());
export type EventMetadata = z.infer<typeof EventMetadata>;

/** An event as it was committed to the store. */
export const RecordedEvent = z.object({
  position: z.number().int().positive(),
  streamId: z.string().min(1),
  version: z.number().int().positive(),
  type: z.string().min(1),
  data: z.unknown(),
  metadata: EventMetadata,
  recordedAt: z.iso.datetime({ offset: true }),
});
export type RecordedEvent = z.infer<typeof RecordedEvent>;

/**
 * Committed events, forwarded to the bus in commit order by the checkpointed publisher.
 * Delivery is at-least-once: consumers skip positions they have already applied.
 */
export const EventCommittedV1 = defineEvent({ subject: 'eventstore.committed.v1', payload: RecordedEvent });
