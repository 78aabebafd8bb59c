import type { ClientCapabilities, NotifyTarget } from '@persona-gateway/contracts';
import type { Cancellation } from './in-flight.js';

/** A call running on a downstream session, as far as server-to-client traffic is concerned. */
export interface CallTarget {
  readonly callId: string;
  /** The edge replica and stream answering the caller; absent when the caller gets plain JSON. */
  readonly notify?: NotifyTarget;
  readonly clientCapabilities?: ClientCapabilities;
  /** Aborted when the call is cancelled or the service shuts down. */
  readonly cancellation: Cancellation;
}

/**
 * The calls in flight on one downstream session, oldest first, for attributing a server's
 * requests and notifications. A Streamable HTTP tools/call sent directly (direct-call.ts)
 * reads its own response stream, so what arrives there is known to be its own: such
 * traffic is attributed exactly. Everything else (the SDK's own streams, legacy SSE,
 * stdio, where the SDK client does not say which of our requests a message belongs to)
 * goes to the most recent call still running: exact while one call at a time runs per
 * session, the common case (sessions are per persona x gateway x principal). See the README.
 */
export class CallTargets {
  private readonly calls: CallTarget[] = [];
  /** Server requests read from a call's own response stream, by JSON-RPC id, until their handler runs. */
  private readonly owners = new Map<string | number, CallTarget>();

  /** Registers a running call; the returned function unregisters it. */
  enter(target: CallTarget): () => void {
    this.calls.push(target);
    return () => {
      const index = this.calls.lastIndexOf(target);
      if (index >= 0) this.calls.splice(index, 1);
      if (this.owners.size === 0) return;
      for (const [id, owner] of this.owners) if (owner === target) this.owners.delete(id);
    };
  }

  /** A server request arrived on `target`'s own response stream. */
  own(requestId: string | number, target: CallTarget): void {
    this.owners.set(requestId, target);
  }

  /** The call a server request belongs to: the one whose stream carried it, else the most recent. */
  forRequest(requestId: string | number): CallTarget | undefined {
    const owner = this.owners.get(requestId);
    if (owner === undefined) return this.current();
    this.owners.delete(requestId);
    return owner;
  }

  current(): CallTarget | undefined {
    return this.calls[this.calls.length - 1];
  }
}
