import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultSchema, CompleteResultSchema, EmptyResultSchema, GetPromptResultSchema, ReadResourceResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, McpResult, RequestOf, SessionCallV1, SessionRequestV1 } from '@persona-gateway/contracts';
import type { CallTarget } from './call-targets.js';
import { directToolCall } from './direct-call.js';
import type { DownstreamConnection } from './downstream-connection.js';
import type { Cancellation } from './in-flight.js';

export interface ToolCallOptions {
  readonly cancellation: Cancellation;
  /** The call as registered on the session (`connection.calls`): what arrives on its own response stream is attributed to it. */
  readonly target?: CallTarget;
  /** Silence allowed between progress notifications. */
  readonly idleTimeoutMs: number;
  /** The caller's own bound on the whole call, if it gave one. */
  readonly totalTimeoutMs?: number;
  readonly onProgress?: (progress: Progress) => void;
}

/**
 * tools/call. On Streamable HTTP it is POSTed directly (direct-call.ts), the hot path;
 * elsewhere it is a raw SDK request, not `client.callTool`: that one validates results
 * against output schemas cached from the session's own tools/list, which a pass-through
 * gateway neither has nor wants (the caller's client validates against the catalog it was
 * shown). A result with `isError` is a result, not a failure: the model is meant to read it.
 */
export function callTool(connection: DownstreamConnection, request: RequestOf<typeof SessionCallV1>, options: ToolCallOptions): Promise<CallToolResult> {
  if (connection.direct) return directToolCall(connection, connection.direct, request, options);
  // With onprogress the SDK puts its own token in _meta (and maps it back), so the downstream never sees the caller's.
  const meta = request.progressToken !== undefined ? { progressToken: request.progressToken } : undefined;
  return connection.client.request(
    { method: 'tools/call', params: { name: request.tool, arguments: request.arguments, _meta: meta } },
    CallToolResultSchema,
    {
      signal: options.cancellation.signal,
      timeout: Math.min(options.idleTimeoutMs, options.totalTimeoutMs ?? Number.POSITIVE_INFINITY),
      maxTotalTimeout: options.totalTimeoutMs,
      resetTimeoutOnProgress: true,
      onprogress: options.onProgress,
    },
  );
}

const RESULT_SCHEMAS = {
  'resources/read': ReadResourceResultSchema,
  'resources/subscribe': EmptyResultSchema,
  'resources/unsubscribe': EmptyResultSchema,
  'prompts/get': GetPromptResultSchema,
  'completion/complete': CompleteResultSchema,
} as const;

/** resources/read, prompts/get, completion/complete and resources/(un)subscribe, passed through with the SDK's result schemas. */
export function passThrough(connection: DownstreamConnection, request: RequestOf<typeof SessionRequestV1>, timeoutMs: number): Promise<McpResult> {
  // The contract allows only these methods; params are the downstream's business.
  const message = { method: request.method, params: request.params } as Parameters<typeof connection.client.request>[0];
  return connection.client.request(message, RESULT_SCHEMAS[request.method], { timeout: timeoutMs });
}
