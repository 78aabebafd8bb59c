import { randomUUID } from 'node:crypto';
import { RpcCode, RpcError, cancelledByClient } from './errors.js';
import type { RequestId } from './json-rpc.js';

interface Pending {
  readonly callId: string;
  readonly method: string;
  cancelledByClient: boolean;
  /** Why the wait ended early (the client cancelled, the gateway stops), once it has. */
  stopped?: Error;
  /** Rejects the wait in progress, if any. */
  onStop?: (reason: Error) => void;
}

export interface InFlightCall {
  /** Unique per call: the router and session services know the call by it. */
  readonly callId: string;
  /**
   * The outcome of `promise`, unless the client cancels the request or the gateway shuts
   * down first (the bus has no abort). No AbortController: one per request costs more
   * than the rest of the bookkeeping together, and nothing here needs an EventTarget.
   */
  until<T>(promise: Promise<T>): Promise<T>;
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
    const entry: Pending = { callId: randomUUID(), method, cancelledByClient: false };
    this.pending.set(key, entry);
    return {
      callId: entry.callId,
      until: <T>(promise: Promise<T>) => {
        if (entry.stopped) return Promise.reject(entry.stopped);
        return new Promise<T>((resolve, reject) => {
          entry.onStop = reject;
          promise.then(resolve, reject);
        });
      },
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
    stop(entry, cancelledByClient());
    return { callId: entry.callId, method: entry.method };
  }

  abortAll(reason: Error): void {
    for (const entry of this.pending.values()) stop(entry, reason);
    this.pending.clear();
  }

  get size(): number {
    return this.pending.size;
  }
}

function stop(entry: Pending, reason: Error): void {
  entry.stopped ??= reason;
  entry.onStop?.(entry.stopped);
}

// "1" and 1 are different JSON-RPC ids.
const keyOf = (session: string, requestId: RequestId) => `${session}\u0000${typeof requestId}:${String(requestId)}`;
