import { refuse } from './errors.js';

export type RequestId = string | number;

/** One message a client POSTed, checked for shape only; params are checked per method. */
export type ClientMessage =
  | { readonly kind: 'request'; readonly id: RequestId; readonly method: string; readonly params: unknown }
  | { readonly kind: 'notification'; readonly method: string; readonly params: unknown }
  /** A reply to a server-to-client request (sampling, elicitation) the endpoint forwarded. */
  | { readonly kind: 'response'; readonly id: RequestId; readonly result?: Record<string, unknown>; readonly error?: ClientError };

/** A JSON-RPC error as a client answered a server-to-client request. */
export interface ClientError {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

// Ids are echoed into every reply and used as map keys: keep them small.
const MAX_ID_LENGTH = 256;
const MAX_METHOD_LENGTH = 128;

export function parseClientMessage(body: string | undefined): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    // Includes RangeError for absurdly deep nesting: V8's parser gives up, the process does not.
    throw refuse.parseError();
  }
  if (Array.isArray(value)) throw refuse.batch();
  if (!isRecord(value) || value.jsonrpc !== '2.0') throw refuse.invalidRequest('expected a JSON-RPC 2.0 object');
  const hasId = value.id !== undefined;
  if (hasId && !isRequestId(value.id)) throw refuse.invalidRequest(`id must be a string or a number (at most ${MAX_ID_LENGTH} characters)`);
  if (value.method === undefined) {
    if (hasId && (value.result !== undefined || value.error !== undefined)) return responseOf(value.id as RequestId, value.result, value.error);
    throw refuse.invalidRequest('method is missing');
  }
  if (typeof value.method !== 'string' || value.method.length === 0 || value.method.length > MAX_METHOD_LENGTH) {
    throw refuse.invalidRequest('method must be a non-empty string');
  }
  return hasId
    ? { kind: 'request', id: value.id as RequestId, method: value.method, params: value.params }
    : { kind: 'notification', method: value.method, params: value.params };
}

/** A client's response; a result or error of the wrong shape becomes an error the server can read. */
function responseOf(id: RequestId, result: unknown, error: unknown): ClientMessage {
  if (error !== undefined) {
    const valid = isRecord(error) && Number.isInteger(error.code) && typeof error.message === 'string';
    if (!valid) return { kind: 'response', id, error: { code: -32603, message: 'The client sent a malformed error' } };
    return { kind: 'response', id, error: { code: error.code as number, message: error.message as string, ...(error.data === undefined ? {} : { data: error.data }) } };
  }
  if (!isRecord(result)) return { kind: 'response', id, error: { code: -32603, message: 'The client sent a malformed result' } };
  return { kind: 'response', id, result };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRequestId(value: unknown): value is RequestId {
  return (typeof value === 'string' && value.length <= MAX_ID_LENGTH) || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * A response around an already serialised result: tools/list hands over the persona's
 * cached JSON untouched, so the hot path never re-serialises the tool schemas.
 */
export function resultMessage(id: RequestId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

const CLOSE = Buffer.from('}');

/**
 * The same message around a result already encoded as UTF-8, in three pieces: a large result
 * (a persona's tools/list) is sent as the bytes it was encoded to once, not concatenated into
 * a new string and encoded again for every request (the edge README has the measured cost).
 */
export function resultMessageBytes(id: RequestId, result: Uint8Array): readonly Uint8Array[] {
  return [Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`), result, CLOSE];
}

export function errorMessage(id: RequestId | null, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify({ code, message })}}`;
}

export function requestMessage(id: RequestId, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params });
}

export function notificationMessage(method: string, params?: Record<string, unknown>): string {
  return JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
}
