import { performance } from 'node:perf_hooks';

/**
 * A tiny benchmark harness: warm-up, then timed iterations for a fixed wall time, each one
 * timed on its own so that p99 means something. Results are only ever compared with a
 * baseline measured in the same process a moment before, never with numbers from elsewhere:
 * the ratio is what carries over between machines, the absolute figures are not.
 */
export interface BenchTiming {
  /** Wall time of the warm-up, in ms (JIT, key caches, lazy OpenSSL init). */
  warmupMs: number;
  /** Wall time of the measured run, in ms. */
  durationMs: number;
}

export interface BenchResult {
  label: string;
  iterations: number;
  opsPerSecond: number;
  meanMicros: number;
  /** Robust against a neighbour preempting us now and then, unlike the mean. */
  medianMicros: number;
  p99Micros: number;
}

export interface Benchmark {
  name: string;
  /** One line: what is compared with what. */
  summary: string;
  run(timing: BenchTiming): Promise<void>;
}

export const DEFAULT_TIMING: BenchTiming = { warmupMs: 300, durationMs: 1000 };

export interface BenchCase {
  label: string;
  fn: () => unknown;
}

/**
 * Length of one slice: baseline and ours alternate every 20 ms, so that background load,
 * which comes and goes on that scale on a shared 2-core machine, hits both alike.
 */
const SLICE_MS = 20;

/**
 * Times synchronous cases for `timing.durationMs` each after a warm-up, interleaved in short
 * slices (A B A B ...) so that a busy neighbour slows the baseline as much as our code instead
 * of skewing the ratio.
 */
export function measureAll(cases: readonly BenchCase[], timing: BenchTiming): BenchResult[] {
  // Keep results alive so the work cannot be optimised away.
  let sink: unknown;
  for (const { fn } of cases) {
    const warmupEnd = performance.now() + timing.warmupMs;
    while (performance.now() < warmupEnd) sink = fn();
  }
  const samples = cases.map(() => new SampleBuffer());
  const wall = cases.map(() => 0);
  const rounds = Math.max(1, Math.round(timing.durationMs / SLICE_MS));
  for (let round = 0; round < rounds; round++) {
    cases.forEach(({ fn }, index) => {
      const buffer = samples[index];
      const start = performance.now();
      const end = start + timing.durationMs / rounds;
      let now = start;
      while (now < end) {
        const before = now;
        sink = fn();
        now = performance.now();
        buffer.push(now - before);
      }
      wall[index] += now - start;
    });
  }
  lastResult = sink;
  return cases.map(({ label }, index) => summarise(label, samples[index].values(), wall[index]));
}

class SampleBuffer {
  private data = new Float64Array(4096);
  private count = 0;

  push(value: number): void {
    if (this.count === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count++] = value;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.count);
  }
}

/** Per-operation latencies in ms (one per operation) over a wall time in ms. */
export function summarise(label: string, samples: Float64Array, wallMs: number): BenchResult {
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const value of sorted) total += value;
  const count = sorted.length;
  return {
    label,
    iterations: count,
    opsPerSecond: count === 0 ? 0 : count / (wallMs / 1000),
    meanMicros: count === 0 ? 0 : (total / count) * 1000,
    medianMicros: count === 0 ? 0 : percentile(sorted, 0.5) * 1000,
    p99Micros: count === 0 ? 0 : percentile(sorted, 0.99) * 1000,
  };
}

/** Nearest-rank percentile of sorted, non-empty samples. */
function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * fraction) - 1))];
}

/** Written once per measurement, so that results stay observable and the work cannot be elided. */
export let lastResult: unknown;

export function printHeader(benchmark: Benchmark): void {
  console.log(`\n== ${benchmark.name}: ${benchmark.summary}`);
}

export function printResult(role: string, result: BenchResult): void {
  console.log(
    `  ${role.padEnd(9)} ${result.label.padEnd(58)} ${formatCount(result.opsPerSecond).padStart(9)} ops/s` +
      `  mean ${formatMicros(result.meanMicros).padStart(9)}` +
      `  median ${formatMicros(result.medianMicros).padStart(9)}` +
      `  p99 ${formatMicros(result.p99Micros).padStart(9)}` +
      `  (n=${result.iterations})`,
  );
}

export interface BenchRatio {
  benchmark: string;
  what: string;
  /** ours / baseline operations per second. */
  ratio: number;
  /** baseline / ours median latency: the same ratio, minus preemption noise. */
  medianRatio: number;
  /** Extra median time per operation that our code adds. */
  extraMicros: number;
}

/** Every ratio printed in this run, for the summary at the end. */
export const RATIOS: BenchRatio[] = [];

/**
 * `ours / baseline` in throughput (1.00 = as fast as the raw primitive, 0.50 = half as many
 * operations per second), the same from median latencies, and the extra median time per
 * operation that our code adds.
 */
export function printRatio(
  benchmark: string,
  ours: BenchResult,
  baseline: BenchResult,
  what = ours.label,
): void {
  const ratio = ours.opsPerSecond / baseline.opsPerSecond;
  const medianRatio = baseline.medianMicros / ours.medianMicros;
  const extra = ours.medianMicros - baseline.medianMicros;
  RATIOS.push({ benchmark, what, ratio, medianRatio, extraMicros: extra });
  console.log(
    `  ratio     ours/baseline ${ratio.toFixed(2)} by ops/s, ${medianRatio.toFixed(2)} by median` +
      ` (${extra >= 0 ? '+' : ''}${formatMicros(extra)} median per op)` +
      (what === ours.label ? '' : `: ${what}`),
  );
}

export function formatMicros(micros: number): string {
  if (Math.abs(micros) >= 1000) return `${(micros / 1000).toFixed(2)} ms`;
  return `${micros.toFixed(micros < 10 && micros > -10 ? 2 : 1)} µs`;
}

export function formatCount(value: number): string {
  return value >= 100 ? Math.round(value).toString() : value.toFixed(1);
}
