import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { GatewayError } from '@persona-gateway/contracts';
import { ZodError } from 'zod';
import { unavailable, type DownstreamConnection } from './downstream-connection.js';
import type { Cancellation } from './in-flight.js';
import { MalformedResult, ResultTooLarge } from './response-errors.js';

/**
 * The downstream no longer knows our session, so it refused the request before running
 * it: safe to re-initialise and send the same request again. The spec says 404; servers
 * built from the SDK's early examples (server-everything among them) answer 400 "No
 * valid session ID provided", which is recognised too.
 */
export function isSessionGone(error: unknown): boolean {
  if (!(error instanceof StreamableHTTPError)) return false;
  return error.code === 404 || (error.code === 400 && /session/i.test(error.message));
}

/**
 * The session is unusable (network failure, process gone, HTTP error): drop it, so the
 * next call opens a new one. A JSON-RPC error, a timeout or a cancellation leaves it be.
 */
export function isBrokenSession(error: unknown, connection: DownstreamConnection): boolean {
  if (error instanceof GatewayError || error instanceof ZodError || error instanceof MalformedResult || error instanceof ResultTooLarge) return false;
  if (error instanceof McpError) return connection.lost;
  return true;
}

export interface FailureContext {
  readonly gateway: string;
  readonly connection?: DownstreamConnection;
  readonly cancellation?: Pick<Cancellation, 'aborted' | 'reason'>;
}

/** The one place downstream failures become the gateway's stable error codes. */
export function toGatewayError(error: unknown, { gateway, connection, cancellation }: FailureContext): GatewayError {
  if (error instanceof GatewayError) return error;
  if (cancellation?.aborted) {
    const reason = typeof cancellation.reason === 'string' ? `: ${cancellation.reason}` : '';
    return new GatewayError('CANCELLED', `Call to ${gateway} was cancelled${reason}`, { cause: error });
  }
  if (error instanceof McpError) {
    if (error.code === ErrorCode.RequestTimeout) return new GatewayError('TIMEOUT', `Downstream gateway did not answer in time: ${gateway}`, { cause: error });
    // The SDK reports its own side of a dropped connection as -32000; a server could send that code too.
    if (error.code === ErrorCode.ConnectionClosed && (!connection || connection.lost)) return unavailable(gateway, error);
    return new GatewayError('DOWNSTREAM_ERROR', downstreamMessage(error), { cause: error });
  }
  if (error instanceof ZodError || error instanceof MalformedResult) return new GatewayError('DOWNSTREAM_ERROR', `Downstream gateway sent a malformed result: ${gateway}`, { cause: error });
  if (error instanceof ResultTooLarge) return new GatewayError('DOWNSTREAM_ERROR', `Downstream gateway sent a result too large to pass on: ${gateway}`, { cause: error });
  return unavailable(gateway, error);
}

/**
 * The server's own words. The SDK prefixes "MCP error <code>: ", and servers built on
 * the SDK often send a message that already carries it: callers need neither.
 */
function downstreamMessage(error: McpError): string {
  const message = error.message.replace(/^(MCP error -?\d+: )+/, '');
  return message.length > 0 ? message : `Downstream error ${error.code}`;
}

/** For the log: the failure's message, and the HTTP status when there is one. */
export function describeFailure(error: unknown): string {
  if (error instanceof StreamableHTTPError && typeof error.code === 'number' && error.code > 0) return `HTTP ${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
