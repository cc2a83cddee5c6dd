import type { LoadDriver } from './load-driver.js';
import type { SliceResult } from './load-protocol.js';

/** One side of a comparison: a load child and the job it runs. */
export interface Side {
  name: string;
  driver: LoadDriver;
  job: string;
}

export interface PhaseTiming {
  /** One slice per side before the measured rounds (JIT, pools, caches); not counted. */
  warmupMs: number;
  sliceMs: number;
  rounds: number;
  concurrency: number;
}

export interface SideStats {
  side: string;
  requests: number;
  failed: number;
  failures: string[];
  wallMs: number;
  rps: number;
  p50: number;
  p99: number;
  /** req/s of each round, in order: does the side slow down as the run goes on? */
  perRound: number[];
  exhausted: boolean;
  /** `once` jobs: bodies used so far, warm-up included. */
  used: number;
  /** Requests sent in the warm-up slice (not in `requests`). */
  warmupRequests: number;
  warmupFailed: number;
}

/**
 * Runs the sides in short alternating slices (A B, B A, A B, ...), so that background load on a
 * shared machine, which comes and goes on the scale of seconds, hits both sides alike. The
 * order flips every round, so neither side always runs right after the other.
 * `afterSlice` runs between slices (outside the measured time).
 */
export async function interleave(
  sides: readonly Side[],
  timing: PhaseTiming,
  afterSlice?: (side: Side, result: SliceResult, round: number) => Promise<void>,
): Promise<SideStats[]> {
  const warm = new Map<string, SliceResult>();
  for (const side of sides) {
    const result = await side.driver.slice(side.job, timing.warmupMs, timing.concurrency);
    warm.set(side.name, result);
    await afterSlice?.(side, result, -1);
  }
  const slices = new Map<string, SliceResult[]>(sides.map((s) => [s.name, []]));
  for (let round = 0; round < timing.rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const result = await side.driver.slice(side.job, timing.sliceMs, timing.concurrency);
      slices.get(side.name)!.push(result);
      await afterSlice?.(side, result, round);
    }
  }
  return sides.map((side) => {
    const results = slices.get(side.name)!;
    const latencies = Float64Array.from(results.flatMap((r) => r.latencies)).sort();
    const wallMs = results.reduce((sum, r) => sum + r.wallMs, 0);
    const warmup = warm.get(side.name)!;
    return {
      side: side.name,
      requests: latencies.length,
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      failures: [...warmup.failures, ...results.flatMap((r) => r.failures)].slice(0, 3),
      wallMs,
      rps: latencies.length / (wallMs / 1000),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      perRound: results.map((r) => r.latencies.length / (r.wallMs / 1000)),
      exhausted: results.some((r) => r.exhausted) || warmup.exhausted,
      used: results.at(-1)?.used ?? warmup.used,
      warmupRequests: warmup.latencies.length,
      warmupFailed: warmup.failed,
    };
  });
}

/** Nearest rank; 0 for no samples. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * fraction) - 1))];
}

/** A side's answers that were not what the job expects, as one line; undefined when none. */
export function failureText(stats: SideStats): string | undefined {
  const failed = stats.failed + stats.warmupFailed;
  if (failed === 0) return undefined;
  return `${stats.side}: ${failed} answer(s) not as expected, e.g. ${stats.failures.join(' | ')}`;
}

export function formatStats(stats: SideStats): string {
  return (
    `${stats.rps.toFixed(0).padStart(6)} req/s  p50 ${stats.p50.toFixed(1).padStart(6)} ms` +
    `  p99 ${stats.p99.toFixed(1).padStart(6)} ms  (n=${stats.requests})`
  );
}

/** `service / bare`, two decimals. */
export function ratio(a: number, b: number): string {
  return b === 0 ? '-' : (a / b).toFixed(2);
}
