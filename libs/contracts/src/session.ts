import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { GatewayName, GatewayTransport } from './gateway.js';
import { CallToolResult, Catalog, McpResult } from './mcp.js';

/**
 * One downstream session per persona x gateway x principal. `principal` identifies the
 * credential (an API key id, a user, a hash of passthrough headers): two principals
 * never share a session.
 */
export const SessionKey = z.object({ persona: z.string().min(1), gateway: GatewayName, principal: z.string().min(1) });
export type SessionKey = z.infer<typeof SessionKey>;

/** Where progress for a call goes: the edge replica that holds the caller's stream. */
export const NotifyTarget = z.object({ edgeInstance: z.string().min(1), stream: z.string().min(1) });
export type NotifyTarget = z.infer<typeof NotifyTarget>;

export const ProgressToken = z.union([z.string(), z.number()]);

export const SessionCallV1 = defineRequest({
  subject: 'session.tools.call.v1',
  request: z.object({
    key: SessionKey,
    connection: GatewayTransport,
    /** The downstream tool name (without the persona's prefix). */
    tool: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).optional(),
    /** Unique per call; cancellation refers to it. */
    callId: z.string().min(1),
    progressToken: ProgressToken.optional(),
    notify: NotifyTarget.optional(),
    timeoutMs: z.number().int().positive().optional(),
  }),
  response: CallToolResult,
});

/** resources/read, resources/templates/list-free reads, prompts/get, completion/complete: passed through. */
export const SessionRequestV1 = defineRequest({
  subject: 'session.request.v1',
  request: z.object({
    key: SessionKey,
    connection: GatewayTransport,
    method: z.enum(['resources/read', 'prompts/get', 'completion/complete']),
    params: z.record(z.string(), z.unknown()),
  }),
  response: McpResult,
});

/** Connects (outside any persona) and lists what the server offers. */
export const SessionDiscoverV1 = defineRequest({
  subject: 'session.discover.v1',
  request: z.object({ gateway: GatewayName, connection: GatewayTransport, timeoutMs: z.number().int().positive().optional() }),
  response: Catalog,
});

export const SessionInfo = z.object({
  key: SessionKey,
  openedAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime(),
  downstreamSessionId: z.string().optional(),
});

/** The live sessions of one session-service replica, and how many it has opened in all. */
export const SessionListV1 = defineRequest({
  subject: 'session.list.v1',
  request: z.object({}),
  response: z.object({ instanceId: z.string(), sessions: z.array(SessionInfo), openedTotal: z.number().int().nonnegative() }),
});

/** The caller gave up: abort the downstream request (the SDK sends notifications/cancelled). */
export const SessionCancelV1 = defineEvent({
  subject: 'session.cancel.v1',
  payload: z.object({ callId: z.string().min(1), reason: z.string().optional() }),
});

/** A downstream progress notification, on its way to the edge replica holding the stream. */
export const ProgressNotifiedV1 = defineEvent({
  subject: 'edge.progress.v1',
  payload: NotifyTarget.extend({
    progressToken: ProgressToken,
    progress: z.number(),
    total: z.number().optional(),
    message: z.string().optional(),
  }),
});

/** A downstream server said its tools (or resources, prompts) changed. */
export const DownstreamListChangedV1 = defineEvent({
  subject: 'session.list-changed.v1',
  payload: z.object({ gateway: GatewayName, what: z.enum(['tools', 'resources', 'prompts']) }),
});
