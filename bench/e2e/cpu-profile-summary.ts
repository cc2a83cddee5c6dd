/**
 * `tsx bench/e2e/cpu-profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile
 * (`node --cpu-prof`, e.g. from `npm run bench:callbacks -- --profile`) spent its time: self
 * time by function and by package (a `node_modules` package, node's own code, or ours), and
 * total time (self plus callees) of our functions. Idle and GC are shown apart.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: cpu-profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 40);
/** `PROFILE_ALL=1`: total time of every JavaScript function, not only ours. */
const OURS_ONLY = !process.env.PROFILE_ALL;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const d = /\/dist\/(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  return d ? d[1] : url;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
  return `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
}

const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
const ourTotal = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  add(byFunction, label(n), us);
  add(byPackage, packageOf(n.callFrame.url) || n.callFrame.functionName, us);
  // Total time of our frames: each ancestor frame of ours once per sample.
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur)!;
    if (!OURS_ONLY && !node.callFrame.url) continue;
    if (OURS_ONLY && !node.callFrame.url.includes('/dist/src/')) continue;
    const key = label(node);
    if (seen.has(key)) continue;
    seen.add(key);
    add(ourTotal, key, us);
  }
}

const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(
      `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %  ${k}`,
    );
  }
};
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled`);
print('self time by package', byPackage, 30);
print('self time by function', byFunction, top);
print('total time of our functions', ourTotal, top);
