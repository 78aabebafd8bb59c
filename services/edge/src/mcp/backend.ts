import type { CallToolResult, ClientRespondedV1, McpResult, PayloadOf, RequestOf, RouterCallV1, RouterRequestV1 } from '@persona-gateway/contracts';
import type { McpSessionTerminatedV1 } from './session-terminated.contract.js';

export type ToolCall = RequestOf<typeof RouterCallV1>;
export type ForwardedRequest = RequestOf<typeof RouterRequestV1>;
export type SessionTerminated = PayloadOf<typeof McpSessionTerminatedV1>;
export type ClientAnswer = PayloadOf<typeof ClientRespondedV1>;

/**
 * What the endpoint needs from the rest of the gateway. The domain code stays free of
 * the bus; the module implements this port on it (bus-backend.ts).
 */
export interface McpBackend {
  callTool(call: ToolCall, timeoutMs: number): Promise<CallToolResult>;
  forward(request: ForwardedRequest, timeoutMs: number): Promise<McpResult>;
  cancel(callId: string, reason: string | undefined): Promise<void>;
  /** The client's answer to a server-to-client request, for the session replica waiting on it. */
  clientResponded(answer: ClientAnswer): Promise<void>;
  /** Tells every edge replica (this one included) that a session ended. */
  sessionTerminated(event: SessionTerminated): Promise<void>;
}

/** Where the endpoint reports failures it swallows (a client never sees these details). */
export interface McpLog {
  warn(message: string): void;
  error(message: string): void;
}
