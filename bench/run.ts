import { DEFAULT_TIMING, RATIOS, type Benchmark, type BenchTiming } from './bench-harness.js';
import { envelopeBenchmark } from './envelope.bench.js';
import { jsonBenchmark } from './json.bench.js';
import { signBenchmark } from './sign.bench.js';
import { verifyBenchmark } from './verify.bench.js';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- sign verify` runs the named ones;
 * `--time 2000` measures each case for 2 s instead of 1 s. Each benchmark prints
 * `ours / baseline` against a baseline measured in this same run.
 */
const BENCHMARKS: readonly Benchmark[] = [
  signBenchmark,
  verifyBenchmark,
  envelopeBenchmark,
  jsonBenchmark,
  // Not here: `callback-http` (the whole Nest service answering signed callbacks). tsx runs
  // this file through esbuild, which emits no decorator metadata, so Nest cannot inject the
  // service's constructor dependencies (see README.md).
];

function parseArgs(argv: readonly string[]): { names: string[]; timing: BenchTiming } {
  const names: string[] = [];
  const timing = { ...DEFAULT_TIMING };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') continue;
    if (arg === '--time') {
      const ms = Number(argv[++i]);
      if (!Number.isInteger(ms) || ms < 100 || ms > 60_000) {
        throw new Error('--time takes whole milliseconds between 100 and 60000');
      }
      timing.durationMs = ms;
      continue;
    }
    names.push(arg);
  }
  return { names, timing };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  const { names, timing } = parsed;
  const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(
      `unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  const selected =
    names.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => names.includes(b.name));
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}; warm-up ${timing.warmupMs} ms, ` +
      `${timing.durationMs} ms per case, baseline and ours interleaved; ratio = ours / baseline (1.00 = no overhead, 0.50 = half the throughput)`,
  );
  const started = Date.now();
  for (const benchmark of selected) await benchmark.run(timing);
  console.log(`\nsummary: ours / baseline by ops/s, by median; extra median time per op`);
  for (const r of RATIOS) {
    const extra = r.extraMicros >= 0 ? `+${r.extraMicros.toFixed(1)}` : r.extraMicros.toFixed(1);
    console.log(
      `  ${r.benchmark.padEnd(9)} ${r.what.padEnd(42)} ${r.ratio.toFixed(2)}  ${r.medianRatio.toFixed(2)}` +
        `  ${extra.padStart(8)} µs`,
    );
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
