import { z } from 'zod';
import { defineEvent, defineRequest } from './contract.js';
import { GatewayName, GatewayTransport, SealedSecret } from './gateway.js';
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

/**
 * A passthrough caller's forwarded headers (`{ name: value }` as JSON), sealed by the edge with
 * `passthroughSecretContext(persona, principal)` (libs/secrets): opened only by the session
 * service, for that caller's downstream HTTP requests; never logged, never stored.
 */
export const ForwardedHeaders = SealedSecret;

/**
 * What the caller's MCP client declared it can take from a server (from its `initialize`):
 * the session service forwards a downstream's sampling or elicitation request only when the
 * caller can answer it. The objects are the client's own (e.g. `elicitation: { form: {}, url: {} }`).
 */
export const ClientCapabilities = z.object({
  sampling: z.looseObject({}).optional(),
  elicitation: z.looseObject({}).optional(),
});
export type ClientCapabilities = z.infer<typeof ClientCapabilities>;

/** Server-to-client requests the gateway carries from a downstream to the caller. */
export const ClientRequestMethod = z.enum(['sampling/createMessage', 'elicitation/create']);
export type ClientRequestMethod = z.infer<typeof ClientRequestMethod>;

/** Server-to-client notifications carried to the stream of the call they belong to. */
export const CallNotificationMethod = z.enum(['notifications/message']);

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
    /** Absent: the caller takes no server-to-client requests (they are refused downstream). */
    clientCapabilities: ClientCapabilities.optional(),
    timeoutMs: z.number().int().positive().optional(),
    forward: ForwardedHeaders.optional(),
  }),
  response: CallToolResult,
});

/** resources/read, prompts/get, completion/complete, resources/subscribe and unsubscribe: passed through. */
export const SessionRequestV1 = defineRequest({
  subject: 'session.request.v1',
  request: z.object({
    key: SessionKey,
    connection: GatewayTransport,
    method: z.enum(['resources/read', 'prompts/get', 'completion/complete', 'resources/subscribe', 'resources/unsubscribe']),
    params: z.record(z.string(), z.unknown()),
    forward: ForwardedHeaders.optional(),
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

/**
 * A downstream sent a request (sampling, elicitation) during a call: to the edge replica
 * holding the call's stream, which asks the caller. An event, not a bus request: only that
 * replica may answer, and it answers with ClientRespondedV1 to `sessionInstance`.
 */
export const ClientRequestedV1 = defineEvent({
  subject: 'edge.client-request.v1',
  payload: NotifyTarget.extend({
    /** The session-service replica waiting for the answer. */
    sessionInstance: z.string().min(1),
    /** Unguessable, unique per request: the answer names it. */
    requestKey: z.string().min(16),
    method: ClientRequestMethod,
    params: z.record(z.string(), z.unknown()),
  }),
});

/** A JSON-RPC error as a client sent it. */
export const JsonRpcErrorObject = z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() });

/** The caller's answer to a ClientRequestedV1, back to the session replica that waits for it. */
export const ClientRespondedV1 = defineEvent({
  subject: 'session.client-response.v1',
  payload: z.object({
    sessionInstance: z.string().min(1),
    requestKey: z.string().min(16),
    result: z.record(z.string(), z.unknown()).optional(),
    error: JsonRpcErrorObject.optional(),
  }),
});

/** A downstream notification (a log message) that belongs to a call, for the call's stream. */
export const CallNotifiedV1 = defineEvent({
  subject: 'edge.notification.v1',
  payload: NotifyTarget.extend({ method: CallNotificationMethod, params: z.record(z.string(), z.unknown()) }),
});

/**
 * A downstream said a resource changed (notifications/resources/updated) on the session of
 * persona x gateway x principal. Every edge replica hears it and tells the client sessions of
 * that persona and principal that subscribed to the URI.
 */
export const ResourceUpdatedV1 = defineEvent({
  subject: 'edge.resource-updated.v1',
  payload: SessionKey.extend({ uri: z.string().min(1) }),
});
