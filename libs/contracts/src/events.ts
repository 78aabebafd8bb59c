import { z } from 'zod';
import { defineEvent, defineEventPattern, type EventContract } from './contract.js';

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
 * Committed events, forwarded to the bus in commit order by the checkpointed publisher, each
 * on its type's subject: `eventstore.committed.<type>.v1`, the type in lower-case words
 * joined by '-' (`ToolCallCompleted` -> `tool-call-completed`). A process hears only the
 * types it follows: tool-call events, most of all events, reach no product process, where one
 * subject for all had every replica of every service decode and discard each of them.
 * Delivery is at-least-once: consumers skip positions they have already applied. Two types
 * may share a token (`ToolCall`, `tool-call`): consumers check `type` in the event.
 */
export function eventCommitted(type: string): EventContract<typeof RecordedEvent> {
  let contract = committedContracts.get(type);
  if (!contract) {
    contract = defineEvent({ subject: `eventstore.committed.${typeToken(type)}.v1`, payload: RecordedEvent });
    committedContracts.set(type, contract);
  }
  return contract;
}
const committedContracts = new Map<string, EventContract<typeof RecordedEvent>>();

/** Every committed event, whatever its type (`eventstore.committed.*.v1`): for audit feeds and integrations. */
export const EventCommittedAny = defineEventPattern({ subject: 'eventstore.committed.*.v1', payload: RecordedEvent });

/** An event type as one subject token: words in lower case joined by '-', anything else '_'. */
function typeToken(type: string): string {
  return type
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_');
}
