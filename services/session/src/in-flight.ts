import { GatewayError } from '@persona-gateway/contracts';

/**
 * Calls this replica is running, by call id, so a cancellation (broadcast to every
 * replica: only the one running the call finds it) can abort the downstream request.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, AbortController>();

  /** Runs `fn` with an abort signal registered under `callId`, unregistering it afterwards. */
  async run<T>(callId: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    // A reused id would make a cancellation ambiguous: which of the two calls is meant?
    if (this.calls.has(callId)) throw new GatewayError('CONFLICT', `A call with id ${callId} is already in flight`);
    const controller = new AbortController();
    this.calls.set(callId, controller);
    try {
      return await fn(controller.signal);
    } finally {
      this.calls.delete(callId);
    }
  }

  /** Aborts the call if it runs here; false when it does not (finished, or on another replica). */
  cancel(callId: string, reason = 'cancelled by the caller'): boolean {
    const controller = this.calls.get(callId);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  abortAll(reason: string): void {
    for (const controller of this.calls.values()) controller.abort(reason);
  }

  get size(): number {
    return this.calls.size;
  }
}
