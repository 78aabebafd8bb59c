import type { PayloadOf, ClientRespondedV1 } from '@persona-gateway/contracts';

export type ClientAnswer = Pick<PayloadOf<typeof ClientRespondedV1>, 'result' | 'error'>;

/** Why a wait for the caller's answer ended without one. */
export class ClientRequestAbandoned extends Error {
  constructor(readonly reason: 'timeout' | 'aborted') {
    super(reason === 'timeout' ? 'The client did not answer in time' : 'The request was abandoned');
  }
}

/**
 * Server-to-client requests this replica forwarded to a caller and still waits on, by request
 * key. Answers are broadcast to every session replica; only the one waiting finds the key.
 */
export class PendingClientRequests {
  private readonly waiting = new Map<string, (answer: ClientAnswer | ClientRequestAbandoned) => void>();

  /** Resolves with the caller's answer; rejects with ClientRequestAbandoned on timeout or abort. */
  wait(requestKey: string, timeoutMs: number, signals: readonly AbortSignal[]): Promise<ClientAnswer> {
    return new Promise<ClientAnswer>((resolve, reject) => {
      const onAbort = () => settle(new ClientRequestAbandoned('aborted'));
      const timer = setTimeout(() => settle(new ClientRequestAbandoned('timeout')), timeoutMs);
      timer.unref();
      const settle = (answer: ClientAnswer | ClientRequestAbandoned) => {
        if (this.waiting.get(requestKey) !== settle) return;
        this.waiting.delete(requestKey);
        clearTimeout(timer);
        for (const signal of signals) signal.removeEventListener('abort', onAbort);
        if (answer instanceof ClientRequestAbandoned) reject(answer);
        else resolve(answer);
      };
      this.waiting.set(requestKey, settle);
      for (const signal of signals) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }

  /** Delivers an answer; false when nobody here waits for it (another replica's, or too late). */
  settle(requestKey: string, answer: ClientAnswer): boolean {
    const settle = this.waiting.get(requestKey);
    if (!settle) return false;
    settle(answer);
    return true;
  }

  abortAll(): void {
    for (const settle of [...this.waiting.values()]) settle(new ClientRequestAbandoned('aborted'));
  }

  get size(): number {
    return this.waiting.size;
  }
}
