import { randomUUID } from 'node:crypto';
import { RpcCode, RpcError, cancelledByClient } from './errors.js';
import type { RequestId } from './json-rpc.js';

interface Pending {
  readonly callId: string;
  readonly method: string;
  readonly controller: AbortController;
  cancelledByClient: boolean;
}

export interface InFlightCall {
  /** Unique per call: the router and session services know the call by it. */
  readonly callId: string;
  /** Aborted when the client cancels the request or the gateway shuts down. */
  readonly signal: AbortSignal;
  /** Whether the client itself cancelled (it then expects no response). */
  readonly cancelledByClient: () => boolean;
  done(): void;
}

/**
 * Requests of this replica still waiting on the bus, by session and JSON-RPC id, so that
 * `notifications/cancelled` (which names the request id) can find the call it started.
 * A session's cancellation reaches the replica that holds the call only if it lands
 * there; see the README.
 */
export class InFlightCalls {
  private readonly pending = new Map<string, Pending>();

  start(session: string, requestId: RequestId, method: string): InFlightCall {
    const key = keyOf(session, requestId);
    // Ids must be unique among a session's requests; reusing one in flight would make cancellation ambiguous.
    if (this.pending.has(key)) throw new RpcError(RpcCode.InvalidRequest, 'Invalid Request: a request with this id is already in progress');
    const entry: Pending = { callId: randomUUID(), method, controller: new AbortController(), cancelledByClient: false };
    this.pending.set(key, entry);
    return {
      callId: entry.callId,
      signal: entry.controller.signal,
      cancelledByClient: () => entry.cancelledByClient,
      done: () => {
        if (this.pending.get(key) === entry) this.pending.delete(key);
      },
    };
  }

  /** Aborts the request's wait; returns what it was (for SessionCancelV1), or undefined if unknown or finished. */
  cancel(session: string, requestId: RequestId): { callId: string; method: string } | undefined {
    const entry = this.pending.get(keyOf(session, requestId));
    if (!entry || entry.cancelledByClient) return undefined;
    entry.cancelledByClient = true;
    entry.controller.abort(cancelledByClient());
    return { callId: entry.callId, method: entry.method };
  }

  abortAll(reason: Error): void {
    for (const entry of this.pending.values()) entry.controller.abort(reason);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}

// "1" and 1 are different JSON-RPC ids.
const keyOf = (session: string, requestId: RequestId) => `${session}\u0000${typeof requestId}:${String(requestId)}`;
