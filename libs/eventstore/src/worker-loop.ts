/**
 * Runs `work` whenever woken, and at least every `intervalMs`, one run at a time.
 * Wake-ups during a run coalesce into exactly one more run, so no signal is lost.
 */
export class WorkerLoop {
  private chain: Promise<void> = Promise.resolve();
  private pending = false;
  private started = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
    /** Wake-ups within this window share one run: batching, at the price of that much latency. */
    private readonly debounceMs = 0,
  ) {}

  start(): void {
    this.started = true;
    this.wake();
  }

  wake(): void {
    if (!this.started || this.stopped || this.pending) return;
    this.pending = true;
    clearTimeout(this.timer);
    if (this.debounceMs > 0) {
      this.timer = setTimeout(() => this.enqueue(), this.debounceMs);
      return;
    }
    this.enqueue();
  }

  private enqueue(): void {
    this.chain = this.chain.then(async () => {
      this.pending = false;
      try {
        await this.work();
      } catch (error) {
        this.onError(error);
      }
      if (!this.stopped && !this.pending) this.timer = setTimeout(() => this.wake(), this.intervalMs);
    });
  }

  /** One run now, after any run in progress; its failure is the caller's. */
  runNow(): Promise<void> {
    const run = this.chain.then(() => this.work());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the run in progress (if any) has finished; no run starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }
}
