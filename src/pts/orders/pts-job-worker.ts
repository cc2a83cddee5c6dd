import type PgBoss from 'pg-boss';
import type { PtsJob, PtsJobQueue } from './pts-jobs.js';

/**
 * One worker: fetch a batch, run the handler, complete or fail the batch, and poll again after
 * the interval (at once after a full batch or a `notify`). Written here rather than pg-boss's
 * `work()`, which does not await completing a job: with the database briefly gone that
 * rejection is unhandled and ends the process.
 */
export class PtsJobWorker {
  private stopped = false;
  private again = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: PtsJobQueue,
    private readonly batchSize: number,
    private readonly intervalMs: number,
    private readonly handler: (jobs: PtsJob<object>[]) => Promise<void>,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  notify(): void {
    this.again = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      let fetched = 0;
      try {
        fetched = await this.round();
      } catch (error) {
        this.warn(`${this.queue}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (this.stopped) return;
      if (fetched === this.batchSize || this.again) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.intervalMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  private async round(): Promise<number> {
    const jobs = await this.boss.fetch<object>(this.queue, {
      batchSize: this.batchSize,
      includeMetadata: true,
    });
    if (jobs.length === 0) return 0;
    const ids = jobs.map((j) => j.id);
    try {
      await this.handler(
        jobs.map((j) => ({
          id: j.id,
          data: j.data,
          retryCount: j.retryCount,
          retryLimit: j.retryLimit,
        })),
      );
    } catch (error) {
      // Retried by pg-boss with the jobs' backoff; a job left active expires and is retried.
      await this.boss.fail(this.queue, ids, toOutput(error));
      return jobs.length;
    }
    await this.boss.complete(this.queue, ids);
    return jobs.length;
  }
}

function toOutput(error: unknown): object {
  return { message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}
