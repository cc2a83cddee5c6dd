/**
 * Every timer and background task of a sandbox, so that `stop()` can cancel the waits, abort
 * outgoing HTTP and then wait until nothing is running any more. Tests stop by themselves.
 */
export class PtsSandboxTimers {
  private stopped = false;
  private readonly controller = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Aborted when the sandbox stops; outgoing requests listen to it. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resolves true after `ms`, or false as soon as the sandbox stops. */
  sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve(true);
        }, ms),
        wake: () => resolve(false),
      };
      this.sleepers.add(sleeper);
    });
  }

  /** Runs a background task; its failure is reported, never thrown at anyone. */
  run(task: () => Promise<void>): void {
    if (this.stopped) return;
    void this.track(task().catch(this.onError));
  }

  /** Keeps `stop()` waiting for this promise. */
  track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    const forget = () => this.pending.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.wake();
    }
    this.sleepers.clear();
    // A finishing task may still start a short one (e.g. a last record); drain until empty.
    while (this.pending.size > 0) {
      await Promise.allSettled([...this.pending]);
    }
  }
}
