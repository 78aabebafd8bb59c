import { GatewayError } from '@persona-gateway/contracts';
import { SUPPORTED_PROTOCOL_VERSIONS } from './protocol.js';

/**
 * Every error the MCP endpoint can answer with is made here: the JSON-RPC codes, the
 * HTTP refusals of the transport, and the mapping of the gateway's error codes. Messages
 * are for people and never carry a stack trace, a secret or an internal address.
 */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Transport-level refusals (implementation-defined server error range). */
  ServerError: -32000,
  /** The SDK's code for an unknown or ended session. */
  SessionNotFound: -32001,
  /** Borrowed from LSP, as MCP clients expect for a cancelled request. */
  RequestCancelled: -32800,
} as const;

/** A JSON-RPC error answering one request; travels with HTTP 200 like any response. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The HTTP request itself is refused: status, headers, and a JSON-RPC error without an id. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpRefusal';
  }
}

const BUSY = 'Gateway busy or unavailable, try again';
const MAX_ECHOED = 100;
const echo = (value: string) => (value.length > MAX_ECHOED ? `${value.slice(0, MAX_ECHOED)}...` : value);

export const refuse = {
  parseError: () => new HttpRefusal(400, RpcCode.ParseError, 'Parse error: Invalid JSON'),
  invalidRequest: (detail: string) => new HttpRefusal(400, RpcCode.InvalidRequest, `Invalid Request: ${detail}`),
  batch: () => new HttpRefusal(400, RpcCode.InvalidRequest, 'Invalid Request: batches are not supported; send one JSON-RPC message per request'),
  badOrigin: () => new HttpRefusal(403, RpcCode.ServerError, 'Forbidden: Origin not allowed'),
  // RFC 6750: name the error only when a token was presented; a bare challenge asks for one.
  unauthorized: (tokenPresented: boolean) =>
    new HttpRefusal(401, RpcCode.ServerError, 'Invalid or expired token', {
      'www-authenticate': tokenPresented ? 'Bearer error="invalid_token", error_description="Invalid or expired token"' : 'Bearer',
    }),
  notAcceptable: (needs: string) => new HttpRefusal(406, RpcCode.ServerError, `Not Acceptable: Client must accept ${needs}`),
  unsupportedMediaType: () => new HttpRefusal(415, RpcCode.ServerError, 'Unsupported Media Type: Content-Type must be application/json'),
  bodyTooLarge: () => new HttpRefusal(413, RpcCode.ServerError, 'Payload Too Large: the request body exceeds the gateway limit'),
  methodNotAllowed: () => new HttpRefusal(405, RpcCode.ServerError, 'Method Not Allowed', { allow: 'GET, POST, DELETE, OPTIONS' }),
  sessionRequired: () => new HttpRefusal(400, RpcCode.ServerError, 'Bad Request: Mcp-Session-Id header is required'),
  sessionNotFound: () => new HttpRefusal(404, RpcCode.SessionNotFound, 'Session not found'),
  unsupportedVersion: (version: string) =>
    new HttpRefusal(400, RpcCode.ServerError, `Bad Request: Unsupported protocol version: ${echo(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`),
  tooManyStreams: () => new HttpRefusal(409, RpcCode.ServerError, 'Conflict: too many open streams for this session'),
  internal: () => new HttpRefusal(500, RpcCode.InternalError, 'Internal error'),
};

/** MCP's "Resource not found" (server error range). */
const RESOURCE_NOT_FOUND = -32002;

/** Gateway error codes (from the bus, the router, downstream) as JSON-RPC errors. */
export function rpcErrorFrom(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  if (!(error instanceof GatewayError)) return new RpcError(RpcCode.InternalError, 'Internal error');
  switch (error.code) {
    case 'NOT_FOUND':
      // The spec's own code for an unknown resource; an unknown prompt is invalid params.
      return new RpcError(error.message.startsWith('Unknown resource') ? RESOURCE_NOT_FOUND : RpcCode.InvalidParams, error.message);
    case 'UNKNOWN_TOOL':
    case 'INVALID_ARGUMENT':
    case 'INVALID_PAYLOAD':
      return new RpcError(RpcCode.InvalidParams, error.message);
    case 'UNAVAILABLE':
    case 'DOWNSTREAM_ERROR':
    // "OAuth connection failed: Jira" is written for the user, who has to reconnect.
    case 'UNAUTHORIZED':
      return new RpcError(RpcCode.InternalError, error.message);
    case 'TIMEOUT':
    case 'NO_RESPONDERS':
      return new RpcError(RpcCode.InternalError, BUSY);
    case 'CANCELLED':
      return new RpcError(RpcCode.RequestCancelled, 'Request cancelled');
    default:
      return new RpcError(RpcCode.InternalError, 'Internal error');
  }
}

/** Thrown into a pending call when its client cancels it or the gateway shuts down. */
export const cancelledByClient = () => new GatewayError('CANCELLED', 'Request cancelled');
export const shuttingDown = () => new GatewayError('UNAVAILABLE', 'Gateway is shutting down, try again');

/** Names an error for the log: class, code and message, never its stack or payload. */
export function describeError(error: unknown): string {
  if (error instanceof GatewayError) return `${error.name} ${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
