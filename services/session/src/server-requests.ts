import { randomBytes } from 'node:crypto';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { ClientCapabilities, ClientRequestedV1, PayloadOf } from '@persona-gateway/contracts';
import type { CallTarget } from './call-targets.js';
import { ClientRequestAbandoned, type PendingClientRequests } from './client-requests.js';
import type { ServerRequestExtra, ServerRequestMethod } from './downstream-connection.js';

export interface ServerRequestDeps {
  /** This replica: the caller's answer is addressed to it. */
  readonly instanceId: string;
  /** How long the caller (often a person, for elicitation) has to answer. */
  readonly timeoutMs: number;
  readonly pending: PendingClientRequests;
  readonly publish: (request: PayloadOf<typeof ClientRequestedV1>) => void | Promise<void>;
}

/**
 * A JSON-RPC error for the downstream, with exactly this code and message: the SDK sends an
 * error's `code`, `message` and `data` as they are (an McpError would prefix the message).
 */
export function rpcError(code: number, message: string, data?: unknown): Error {
  return Object.assign(new Error(message), { code, ...(data === undefined ? {} : { data }) });
}

/**
 * A downstream's sampling or elicitation request, asked of the caller of the call it belongs
 * to, through the edge replica holding that call's stream. Refused (as an SDK client without
 * the capability would) when no call is running, the caller has no stream to receive it, or
 * its client did not declare the capability.
 */
export async function forwardServerRequest(
  target: CallTarget | undefined,
  method: ServerRequestMethod,
  params: Record<string, unknown>,
  extra: ServerRequestExtra,
  deps: ServerRequestDeps,
): Promise<Record<string, unknown>> {
  if (!target?.notify || !callerSupports(target.clientCapabilities, method, params)) {
    throw rpcError(ErrorCode.MethodNotFound, `The client cannot take ${method} requests${target ? '' : ' outside a tool call'}`);
  }
  const requestKey = randomBytes(18).toString('base64url');
  const answer = deps.pending.wait(requestKey, deps.timeoutMs, [target.cancellation.signal, extra.signal]);
  try {
    await deps.publish({ ...target.notify, sessionInstance: deps.instanceId, requestKey, method, params });
  } catch (error) {
    deps.pending.settle(requestKey, { error: { code: ErrorCode.InternalError, message: 'The request could not be forwarded to the client' } });
    void answer.catch(() => undefined);
    throw error;
  }
  let settled;
  try {
    settled = await answer;
  } catch (error) {
    if (error instanceof ClientRequestAbandoned && error.reason === 'timeout') throw rpcError(ErrorCode.RequestTimeout, 'The client did not answer in time');
    throw rpcError(ErrorCode.InternalError, 'The request was abandoned: the call ended');
  }
  if (settled.error) throw rpcError(settled.error.code, settled.error.message, settled.error.data);
  return settled.result ?? {};
}

/** What an SDK client would check of itself: the capability, and for elicitation the mode. */
function callerSupports(capabilities: ClientCapabilities | undefined, method: ServerRequestMethod, params: Record<string, unknown>): boolean {
  if (method === 'sampling/createMessage') return capabilities?.sampling !== undefined;
  const elicitation = capabilities?.elicitation;
  if (!elicitation) return false;
  // An empty `elicitation: {}` (the 2025-06-18 form) means form mode only.
  const form = elicitation.form !== undefined || elicitation.url === undefined;
  return (params.mode ?? 'form') === 'url' ? elicitation.url !== undefined : form;
}
