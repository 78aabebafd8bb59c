import { fdatasync } from 'node:fs';
import { GatewayError } from '@persona-gateway/contracts';

interface Group {
  /** The files written to by this group's appends: usually one, two across a rotation. */
  readonly descriptors: Set<number>;
  readonly promise: Promise<void>;
  readonly after: Array<() => void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * fdatasync as group commit: everything written while one sync runs shares the next one,
 * so under load many appends pay for one disk flush; at concurrency 1 each pays one.
 * The flush runs on libuv's thread pool, off the event loop.
 */
export class GroupSync {
  private running: Group | undefined;
  private next: Group | undefined;

  /** Resolves once everything written to `fd` so far is on disk; one promise per group, not per caller. */
  request(fd: number): Promise<void> {
    const joined = (this.next ??= group());
    joined.descriptors.add(fd);
    if (!this.running) this.run();
    return joined.promise;
  }

  /** Runs `action` once every sync requested so far has finished: a file must not be closed under one. */
  afterRequested(action: () => void): void {
    const last = this.next ?? this.running;
    if (last) last.after.push(action);
    else action();
  }

  idle(): Promise<void> {
    return new Promise((resolve) => this.afterRequested(resolve));
  }

  private run(): void {
    const current = this.next!;
    this.next = undefined;
    this.running = current;
    let left = current.descriptors.size;
    let failure: Error | undefined;
    for (const fd of current.descriptors) {
      fdatasync(fd, (error) => {
        failure ??= error ?? undefined;
        if (--left > 0) return;
        this.running = undefined;
        if (failure) current.reject(new GatewayError('UNAVAILABLE', `Cannot sync the event journal to disk: ${failure.message}`, { cause: failure }));
        else current.resolve();
        for (const action of current.after) action();
        if (this.next) this.run();
      });
    }
  }
}

function group(): Group {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A group whose callers have all gone (failed otherwise) must not crash the process.
  promise.catch(() => undefined);
  return { descriptors: new Set(), promise, after: [], resolve, reject };
}
