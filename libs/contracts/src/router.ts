import { z } from 'zod';
import { defineRequest } from './contract.js';
import { CallToolResult, McpResult } from './mcp.js';
import { ClientCapabilities, ForwardedHeaders, NotifyTarget, ProgressToken } from './session.js';

/** Who is calling, as the edge authenticated them. */
export const Principal = z.object({
  /** Stable id: also the credential part of the downstream session key. */
  id: z.string().min(1),
  kind: z.enum(['admin', 'anonymous', 'api-key', 'user', 'passthrough']),
  /** For people: a display name; never a secret. */
  label: z.string().optional(),
});
export type Principal = z.infer<typeof Principal>;

export const RouterCallV1 = defineRequest({
  subject: 'router.tools.call.v1',
  request: z.object({
    persona: z.string().min(1),
    /** The name as the client sees it, prefix included. */
    name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).optional(),
    principal: Principal,
    callId: z.string().min(1),
    progressToken: ProgressToken.optional(),
    notify: NotifyTarget.optional(),
    /** What the caller can answer (sampling, elicitation); only meaningful with `notify`. */
    clientCapabilities: ClientCapabilities.optional(),
    /** A passthrough caller's headers, sealed (see ForwardedHeaders). */
    forward: ForwardedHeaders.optional(),
  }),
  response: CallToolResult,
});

/**
 * resources/read, prompts/get, completion/complete and resources/(un)subscribe for a persona. Resource URIs and
 * prompt names are the persona's (prefixed) ones; the router maps them back.
 */
export const RouterRequestV1 = defineRequest({
  subject: 'router.request.v1',
  request: z.object({
    persona: z.string().min(1),
    method: z.enum(['resources/read', 'prompts/get', 'completion/complete', 'resources/subscribe', 'resources/unsubscribe']),
    params: z.record(z.string(), z.unknown()),
    principal: Principal,
    forward: ForwardedHeaders.optional(),
  }),
  response: McpResult,
});
