import { pathToFileURL } from 'node:url';
import { CandidateBuffer } from '../src/matching/kernel/index.js';
import { dedup, manyToOne, oneToOne, orderCandidates } from '../src/matching/solve/index.js';

/**
 * Solver throughput: `candidates` random pairs between `left` and `right` records with Dice-like
 * scores (2c / (|a| + |b|) for popcounts 350–650, all at or above the threshold, so every pair
 * is sorted), seeded. Times oneToOne (the greedy sort dominates), manyToOne and dedup on the
 * same pairs, and, for comparison, the sort users would write first (an index array sorted with
 * a JS comparator) on a slice of them. Each figure is the best of `repeats` runs; CPU seconds
 * are reported beside wall seconds because the dev machine's 2 cores are shared.
 *
 *   node dist/bench/solve.js [--candidates N] [--left N] [--right N] [--repeats r]
 */

export interface SolveBenchOptions {
  readonly candidates?: number;
  readonly left?: number;
  readonly right?: number;
  readonly threshold?: number;
  readonly seed?: number;
  readonly repeats?: number;
  /** Pairs sorted by the JS-comparator baseline (it is ~10× slower, so a slice); 0 skips it. */
  readonly comparatorSlice?: number;
}

export interface SolveBenchRow {
  readonly name: string;
  readonly candidates: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly candidatesPerSecond: number;
  /** Links made, or clusters for dedup. */
  readonly output: number;
}

const DEFAULTS = {
  candidates: 20_000_000,
  left: 1_000_000,
  right: 1_000_000,
  threshold: 0.8,
  seed: 20261125,
  repeats: 3,
  comparatorSlice: 2_000_000,
};

/** A 32-bit integer hash (lowbias32). */
function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * n distinct pairs, as the candidate contract requires: in round r every left record a gets
 * right record (mix(a) + r·STEP) mod right, distinct across rounds as STEP is prime to right; with
 * `lower` (dedup) a gets a + 1 + (mix(a) + r) mod (right − a − 1), so a < b. Scores are Dice-like.
 */
export function makeCandidates(
  n: number,
  left: number,
  right: number,
  seed: number,
  lower = false,
): CandidateBuffer {
  const STEP = right % 1_000_003 === 0 ? 999_983 : 1_000_003;
  const c = new CandidateBuffer(Math.max(n, 1), Math.max(n, 1));
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; c.length < n; i++) {
    const r = Math.floor(i / left);
    const a = i % left;
    const h = mix(a ^ seed);
    let b: number;
    if (!lower) b = (h + r * STEP) % right;
    else if (right - a - 1 > r) b = a + 1 + ((h + r) % (right - a - 1));
    else if (r > right) break;
    else continue;
    const bits = 700 + Math.floor(next() * 600);
    const common = Math.ceil(0.4 * bits + next() * 0.1 * bits);
    c.push(a, b, Math.min(1, (2 * common) / bits));
  }
  return c;
}

function time(name: string, candidates: number, repeats: number, run: () => number): SolveBenchRow {
  let best = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  let output = 0;
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    output = run();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, seconds);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
  }
  return {
    name,
    candidates,
    seconds: best,
    cpuSeconds: bestCpu,
    candidatesPerSecond: candidates / best,
    output,
  };
}

export function benchSolve(options: SolveBenchOptions = {}): SolveBenchRow[] {
  const o = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) o[k as keyof typeof DEFAULTS] = v;
  const repeats = Math.max(1, o.repeats);
  const c = makeCandidates(o.candidates, o.left, o.right, o.seed);
  const rows = [
    time(
      'oneToOne',
      c.length,
      repeats,
      () => oneToOne(c, { leftCount: o.left, rightCount: o.right, threshold: o.threshold }).length,
    ),
    time(
      'manyToOne',
      c.length,
      repeats,
      () => manyToOne(c, { leftCount: o.left, rightCount: o.right, threshold: o.threshold }).length,
    ),
    time(
      'orderCandidates (the sort alone)',
      c.length,
      repeats,
      () => orderCandidates(c, o.threshold, o.left, o.right).length,
    ),
  ];
  const records = Math.max(o.left, o.right);
  const d = makeCandidates(o.candidates, records, records, o.seed + 1, true);
  rows.push(
    time(
      'dedup',
      d.length,
      repeats,
      () => dedup(d, { count: records, threshold: o.threshold }).stats.clusters,
    ),
  );
  const slice = Math.min(o.comparatorSlice, c.length);
  if (slice > 0)
    rows.push(
      time('JS comparator sort of an index array (baseline)', slice, 1, () => {
        const { aIndex, bIndex, score } = c;
        const idx = Array.from({ length: slice }, (_, i) => i);
        idx.sort((x, y) => score[y]! - score[x]! || aIndex[x]! - aIndex[y]! || bIndex[x]! - bIndex[y]!);
        return idx.length;
      }),
    );
  return rows;
}

export function printSolveResult(rows: readonly SolveBenchRow[]): void {
  console.log(`\nSolvers (node ${process.version}, best of the runs, one thread)`);
  console.table(
    rows.map((r) => ({
      solver: r.name,
      candidates: r.candidates,
      'wall (s)': Number(r.seconds.toFixed(2)),
      'cpu (s)': Number(r.cpuSeconds.toFixed(2)),
      'M candidates/s': Number((r.candidatesPerSecond / 1e6).toFixed(1)),
      output: r.output,
    })),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const num = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  printSolveResult(
    benchSolve({
      candidates: num('--candidates'),
      left: num('--left'),
      right: num('--right'),
      repeats: num('--repeats'),
    }),
  );
}
