import { defineEvent } from '@persona-gateway/contracts';
import { z } from 'zod';

/**
 * A client ended its MCP session with DELETE. Every edge replica adds the session to its
 * terminated set and closes the session's streams. Only the session's random key travels:
 * it names the session but cannot be turned back into a usable session id.
 *
 * Local to the edge: it is published and consumed by edge replicas only.
 */
export const McpSessionTerminatedV1 = defineEvent({
  subject: 'edge.session-terminated.v1',
  payload: z.object({
    session: z.string().min(1).max(64),
    persona: z.string().min(1),
    /** When the session id would have expired anyway (epoch ms): replicas forget it then. */
    expiresAt: z.number().int().positive(),
  }),
});
