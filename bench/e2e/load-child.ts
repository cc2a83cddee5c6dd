import { performance } from 'node:perf_hooks';
import type { ChildMessage, LoadJob, ParentMessage, SliceResult } from './load-protocol.js';

/** Nothing left to send (a `once` job used all its bodies). */
export const EXHAUSTED = Symbol('exhausted');

/** One request: resolves to `undefined` when the answer was as expected, else why not. */
export type LoadRequest = () => Promise<string | undefined | typeof EXHAUSTED>;

export interface LoadRunner {
  request: LoadRequest;
  /** Bodies used so far (`once` jobs). */
  used(): number;
}

/**
 * The child side of bench/e2e/load-protocol.ts: keeps the jobs the parent defines and runs
 * slices of load, `concurrency` requests in flight, each timed from send to last byte.
 */
export function serveLoadChild(makeRunner: (job: LoadJob) => LoadRunner): void {
  const runners = new Map<string, LoadRunner>();
  const send = (message: ChildMessage) => process.send?.(message);
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'quit') {
      process.exit(0);
    } else if (message.type === 'define') {
      try {
        runners.set(message.job.name, makeRunner(message.job));
      } catch (error) {
        send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
      }
    } else {
      const runner = runners.get(message.job);
      if (!runner) {
        send({ type: 'error', message: `no job ${message.job}` });
        return;
      }
      void runSlice(message.id, runner, message.durationMs, message.concurrency).then(send);
    }
  });
  send({ type: 'ready' });
}

async function runSlice(
  id: number,
  runner: LoadRunner,
  durationMs: number,
  concurrency: number,
): Promise<SliceResult> {
  const latencies: number[] = [];
  const failures: string[] = [];
  let ok = 0;
  let failed = 0;
  let exhausted = false;
  const start = performance.now();
  const end = start + durationMs;
  const lane = async () => {
    while (!exhausted && performance.now() < end) {
      const before = performance.now();
      let outcome: string | undefined | typeof EXHAUSTED;
      try {
        outcome = await runner.request();
      } catch (error) {
        outcome = error instanceof Error ? error.message : String(error);
      }
      if (outcome === EXHAUSTED) {
        exhausted = true;
        return;
      }
      latencies.push(performance.now() - before);
      if (outcome === undefined) {
        ok += 1;
      } else {
        failed += 1;
        if (failures.length < 3) failures.push(outcome);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return {
    type: 'result',
    id,
    latencies,
    wallMs: performance.now() - start,
    ok,
    failed,
    failures,
    exhausted,
    used: runner.used(),
  };
}
