import { GatewayError } from '@persona-gateway/contracts';

/**
 * One running call's cancellation: what an AbortSignal says (`aborted`, `reason`) and its
 * listeners. Creating an AbortSignal and adding and removing a listener costs several
 * microseconds, on every call; the direct tools/call path needs neither, so the signal is
 * made only for what takes one (the SDK client's requests, waits for a caller's answer).
 */
export class Cancellation {
  private abortedWith: { readonly reason: unknown } | undefined;
  private controller: AbortController | undefined;
  private listeners: Array<() => void> | undefined;

  get aborted(): boolean {
    return this.abortedWith !== undefined;
  }

  get reason(): unknown {
    return this.abortedWith?.reason;
  }

  /** An AbortSignal that follows this cancellation. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
    }
    return this.controller.signal;
  }

  /** Calls `listener` once, on abort; the returned function unregisters it. */
  onAbort(listener: () => void): () => void {
    (this.listeners ??= []).push(listener);
    return () => {
      // Listeners may unregister themselves while abort() calls them: the list is gone by then.
      const index = this.listeners?.indexOf(listener) ?? -1;
      if (index >= 0) this.listeners!.splice(index, 1);
    };
  }

  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

/**
 * Calls this replica is running, by call id, so a cancellation (broadcast to every
 * replica: only the one running the call finds it) can abort the downstream request.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, Cancellation>();

  /** Runs `fn` with a cancellation registered under `callId`, unregistering it afterwards. */
  async run<T>(callId: string, fn: (cancellation: Cancellation) => Promise<T>): Promise<T> {
    // A reused id would make a cancellation ambiguous: which of the two calls is meant?
    if (this.calls.has(callId)) throw new GatewayError('CONFLICT', `A call with id ${callId} is already in flight`);
    const cancellation = new Cancellation();
    this.calls.set(callId, cancellation);
    try {
      return await fn(cancellation);
    } finally {
      this.calls.delete(callId);
    }
  }

  /** Aborts the call if it runs here; false when it does not (finished, or on another replica). */
  cancel(callId: string, reason = 'cancelled by the caller'): boolean {
    const cancellation = this.calls.get(callId);
    if (!cancellation) return false;
    cancellation.abort(reason);
    return true;
  }

  abortAll(reason: string): void {
    for (const cancellation of this.calls.values()) cancellation.abort(reason);
  }

  get size(): number {
    return this.calls.size;
  }
}
