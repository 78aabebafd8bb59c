import type { ClientCapabilities, NotifyTarget } from '@persona-gateway/contracts';

/** A call running on a downstream session, as far as server-to-client traffic is concerned. */
export interface CallTarget {
  readonly callId: string;
  /** The edge replica and stream answering the caller; absent when the caller gets plain JSON. */
  readonly notify?: NotifyTarget;
  readonly clientCapabilities?: ClientCapabilities;
  /** Aborted when the call is cancelled or the service shuts down. */
  readonly signal: AbortSignal;
}

/**
 * The calls in flight on one downstream session, oldest first. The SDK's client does not say
 * which of our requests a server's request or notification belongs to (Streamable HTTP carries
 * that only as the POST stream it arrives on; stdio not at all), so traffic is attributed to
 * the most recent call still running: exact while one call at a time runs per session, which
 * is the common case (sessions are per persona x gateway x principal). See the README.
 */
export class CallTargets {
  private readonly calls: CallTarget[] = [];

  /** Registers a running call; the returned function unregisters it. */
  enter(target: CallTarget): () => void {
    this.calls.push(target);
    return () => {
      const index = this.calls.lastIndexOf(target);
      if (index >= 0) this.calls.splice(index, 1);
    };
  }

  current(): CallTarget | undefined {
    return this.calls[this.calls.length - 1];
  }
}
