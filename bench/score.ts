import { performance } from 'node:perf_hooks';
import { buildPass } from '../src/blocking/blockPass.js';
import type { BlockIndex, BlockPass } from '../src/blocking/types.js';
import { CandidateBuffer, FilterStore, selectKernel, type WasmArena } from '../src/matching/kernel/index.js';
import { closeScorePool, scoreCandidates } from '../src/matching/score/index.js';

/**
 * Scoring-stage throughput: nLeft × nRight random 1024-bit filters (a quarter, three eighths or
 * half of the bits set, so the popcount bound has something to cut; every 100th right record a
 * near copy of a left one, blocked with it), a synthetic block index of `passes` passes with
 * blocks of about `blockSize` records, scored at `floor`. Reports comparisons per second of the
 * whole stage in-process and on 1 and 2 worker threads, and of the bare range kernel (all pairs
 * of a slice) on the same filters.
 */
export interface ScoreBenchOptions {
  readonly nLeft?: number;
  readonly nRight?: number;
  readonly passes?: number;
  readonly blockSize?: number;
  readonly floor?: number;
  readonly seed?: number;
  /** Worker counts to time the whole stage with (0 = in-process). */
  readonly workers?: readonly number[];
  /** Alternating repeats of the worker runs; best of each. */
  readonly repeats?: number;
  /**
   * Records numbered in pass-0 block order on both sides (as if both stores were sorted by
   * their first block key), so a left row's pass-0 partners are adjacent in memory and shared
   * with the next rows; default false (random, as files arrive).
   */
  readonly ordered?: boolean;
  /**
   * Skewed, overlapping passes as real keyed blocking makes them: block sizes drawn from a
   * power law (most blocks a handful of records, a few of thousands; pass 0 near-unique, like
   * an NHS number), and every planted near-copy sharing its left record's block in every pass,
   * so the true pairs are found several times over and must be deduplicated.
   */
  readonly skewed?: boolean;
  /** Top k per left row (none: keep every pair over the floor). */
  readonly topK?: number;
}

export interface ScoreBenchRow {
  readonly name: string;
  readonly comparisons: number;
  readonly kept: number;
  readonly seconds: number;
  /** CPU time of the process (all threads): under contention from other processes it is the steadier figure. */
  readonly cpuSeconds: number;
  readonly comparisonsPerSecond: number;
}

export interface ScoreBenchResult {
  readonly setup: Required<Omit<ScoreBenchOptions, 'workers' | 'topK'>> & {
    readonly workers: readonly number[];
    readonly topK: number | undefined;
  };
  readonly candidatePairs: number;
  readonly rows: ScoreBenchRow[];
  /** 2-worker over 1-worker throughput, when both ran. */
  readonly scaling?: number;
  readonly agree: boolean;
  readonly peakRssMiB: number;
}

const DEFAULTS = {
  nLeft: 200_000,
  nRight: 200_000,
  passes: 2,
  blockSize: 50,
  floor: 0.8,
  seed: 20261125,
  repeats: 2,
  ordered: false,
  skewed: false,
};

/** splitmix32, seeded. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function fill(store: FilterStore, next: () => number): void {
  const w = store.wordsPerFilter;
  for (let i = 0; i < store.count; i++) {
    const kind = next() % 3;
    for (let k = i * w; k < (i + 1) * w; k++) {
      const a = next();
      store.words[k] = kind === 0 ? a & next() : kind === 1 ? a & (next() | next()) : a;
    }
  }
}

/** A pass of blocks as the real builder makes them, uncapped. */
function makePass(p: number, leftIds: Int32Array, rightIds: Int32Array, blocks: number): BlockPass {
  const input = { name: `bench${p}`, kind: 'key' as const, leftIds, rightIds, blocks };
  return buildPass({ ...input, selfLink: false, maxBlockPairs: Number.POSITIVE_INFINITY }).pass;
}

export function makeScoreInput(setup: typeof DEFAULTS) {
  const next = random(setup.seed);
  // In the default WASM kernel's arena, so the bare-kernel rows below read the stores in place too.
  const arena = selectKernel('wasm').allocator as WasmArena;
  const left = FilterStore.allocate(setup.nLeft, 1024, { allocator: arena });
  const right = FilterStore.allocate(setup.nRight, 1024, { allocator: arena });
  fill(left, next);
  fill(right, next);
  const planted = new Int32Array(setup.nRight).fill(-1);
  const blocks = Math.max(1, Math.round(setup.nRight / setup.blockSize));
  // Ordered: left i and right j share pass-0 block ⌊i·blocks/nLeft⌋ = ⌊j·blocks/nRight⌋.
  const orderedBlock = (r: number, n: number) => Math.floor((r * blocks) / n);
  for (let j = 0; j < setup.nRight; j += 100) {
    const i = setup.ordered
      ? Math.min(setup.nLeft - 1, Math.floor((j * setup.nLeft) / setup.nRight))
      : next() % setup.nLeft;
    planted[j] = i;
    const f = right.words.subarray(j * 32, (j + 1) * 32);
    f.set(left.words.subarray(i * 32, (i + 1) * 32));
    for (let n = 0; n < 30; n++) f[next() % 32]! ^= 1 << (next() % 32);
  }
  left.recount();
  right.recount();
  const passes: BlockPass[] = [];
  if (setup.skewed) {
    for (let p = 0; p < setup.passes; p++) {
      // Pass 0: blocks of one or two; later passes: power-law sizes, ~blockSize on average.
      const nBlocks = p === 0 ? Math.ceil(setup.nRight / 1.5) : blocks;
      const draw = () => (p === 0 ? next() % nBlocks : Math.floor(nBlocks * (next() / 2 ** 32) ** 3));
      const lk = Int32Array.from({ length: setup.nLeft }, draw);
      const rk = Int32Array.from({ length: setup.nRight }, (_, j) =>
        planted[j]! >= 0 ? lk[planted[j]!]! : draw(),
      );
      passes.push(makePass(p, lk, rk, nBlocks));
    }
    const index: BlockIndex = { leftCount: setup.nLeft, rightCount: setup.nRight, selfLink: false, passes };
    return { left, right, index };
  }
  for (let p = 0; p < setup.passes; p++) {
    const ordered = setup.ordered && p === 0;
    const lk = Int32Array.from({ length: setup.nLeft }, (_, i) =>
      ordered ? orderedBlock(i, setup.nLeft) : next() % blocks,
    );
    const rk = Int32Array.from({ length: setup.nRight }, (_, j) =>
      ordered ? orderedBlock(j, setup.nRight) : planted[j]! >= 0 ? lk[planted[j]!]! : next() % blocks,
    );
    passes.push(makePass(p, lk, rk, blocks));
  }
  const index: BlockIndex = { leftCount: setup.nLeft, rightCount: setup.nRight, selfLink: false, passes };
  return { left, right, index };
}

export async function benchScore(options: ScoreBenchOptions = {}): Promise<ScoreBenchResult> {
  const setup = {
    nLeft: options.nLeft ?? DEFAULTS.nLeft,
    nRight: options.nRight ?? DEFAULTS.nRight,
    passes: options.passes ?? DEFAULTS.passes,
    blockSize: options.blockSize ?? DEFAULTS.blockSize,
    floor: options.floor ?? DEFAULTS.floor,
    seed: options.seed ?? DEFAULTS.seed,
    repeats: Math.max(1, options.repeats ?? DEFAULTS.repeats),
    ordered: options.ordered ?? DEFAULTS.ordered,
    skewed: options.skewed ?? DEFAULTS.skewed,
    workers: options.workers ?? [0, 1, 2],
    topK: options.topK,
  };
  const { left, right, index } = makeScoreInput(setup);
  const rows: ScoreBenchRow[] = [];
  let peak = process.memoryUsage().rss;
  let candidatePairs = 0;
  let agree = true;

  // The whole stage, worker counts alternating so background load hits them alike.
  const best = new Map<number, ScoreBenchRow>();
  let firstKept: number | undefined;
  for (let r = 0; r < setup.repeats; r++) {
    for (const workers of setup.workers) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const res = await scoreCandidates(index, left, right, setup.floor, {
        workers,
        ...(setup.topK === undefined ? {} : { topK: setup.topK }),
      });
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(c0);
      peak = Math.max(peak, process.memoryUsage().rss);
      candidatePairs = res.stats.candidatePairs;
      firstKept ??= res.stats.kept;
      agree &&= res.stats.kept === firstKept;
      const row = {
        name: workers === 0 ? 'in-process' : `${workers} worker${workers > 1 ? 's' : ''}`,
        comparisons: res.stats.comparisons,
        kept: res.stats.kept,
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        comparisonsPerSecond: res.stats.comparisons / seconds,
      };
      const old = best.get(workers);
      if (old === undefined || seconds < old.seconds) best.set(workers, row);
    }
  }
  rows.push(...setup.workers.map((workers) => best.get(workers)!));

  // The bare range kernel over a slice of the same filters.
  const kernel = selectKernel('wasm');
  const out = new CandidateBuffer();
  const aRows = Math.min(200, setup.nLeft);
  const bRows = Math.min(20_000, setup.nRight);
  kernel.compare(left, 0, 16, right, 0, bRows, setup.floor, out); // warm-up
  let bestSeconds = Number.POSITIVE_INFINITY;
  let cpuSeconds = 0;
  let comparisons = 0;
  for (let r = 0; r < setup.repeats + 1; r++) {
    out.clear();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    comparisons = kernel.compare(left, 0, aRows, right, 0, bRows, setup.floor, out);
    const seconds = (performance.now() - t0) / 1000;
    if (seconds < bestSeconds) {
      const cpu = process.cpuUsage(c0);
      cpuSeconds = (cpu.user + cpu.system) / 1e6;
    }
    bestSeconds = Math.min(bestSeconds, seconds);
  }
  rows.push({
    name: 'range kernel, 1 thread',
    comparisons,
    kept: out.length,
    seconds: bestSeconds,
    cpuSeconds,
    comparisonsPerSecond: comparisons / bestSeconds,
  });

  const one = best.get(1);
  const two = best.get(2);
  await closeScorePool();
  return {
    setup,
    candidatePairs,
    rows,
    scaling: one && two ? two.comparisonsPerSecond / one.comparisonsPerSecond : undefined,
    agree,
    peakRssMiB: peak / 2 ** 20,
  };
}

export function printScoreResult(r: ScoreBenchResult): void {
  const s = r.setup;
  console.log(
    `\nScoring stage (${s.nLeft.toLocaleString('en-GB')} × ${s.nRight.toLocaleString('en-GB')} 1024-bit filters, ${s.passes} passes, blocks of ~${s.blockSize}${s.ordered ? ' (pass 0 in record order)' : ''}${s.skewed ? ' (skewed, overlapping)' : ''}, floor ${s.floor}${s.topK === undefined ? '' : `, top ${s.topK}`}; ${r.candidatePairs.toLocaleString('en-GB')} candidate pairs; best of ${s.repeats})`,
  );
  console.table(
    r.rows.map((x) => ({
      run: x.name,
      comparisons: x.comparisons,
      kept: x.kept,
      seconds: Number(x.seconds.toFixed(3)),
      'CPU s': Number(x.cpuSeconds.toFixed(3)),
      'M comparisons/s': Number((x.comparisonsPerSecond / 1e6).toFixed(1)),
      'M/CPU-s': Number((x.comparisons / x.cpuSeconds / 1e6).toFixed(1)),
    })),
  );
  if (r.scaling !== undefined) console.log(`2 workers / 1 worker: ${r.scaling.toFixed(2)}×`);
  console.log(`peak RSS ${Math.round(r.peakRssMiB)} MiB${r.agree ? '' : '; RUNS DISAGREE on pairs kept'}`);
}
