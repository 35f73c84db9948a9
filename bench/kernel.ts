import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CandidateBuffer,
  type DiceKernel,
  FilterStore,
  type StoreAllocator,
  selectKernel,
} from '../src/matching/kernel/index.js';

/**
 * Dice kernel throughput: all pairs between nA and nB random filters (30–40 % of bits set,
 * seeded, with 1 % of A planted as near-copies in B so every implementation has pairs to find)
 * at one threshold, for the WASM and TS kernels and the C yardstick in native-bench/ (scalar
 * popcount, and AVX-512 VPOPCNTDQ where the CPU has it), all on the same filters in one run.
 * Each figure is the best of `repeats` whole runs on one core, as in KERNEL-NOTES.
 */

export interface KernelBenchOptions {
  readonly nA?: number;
  readonly nB?: number;
  readonly bits?: number;
  readonly threshold?: number;
  readonly seed?: number;
  readonly repeats?: number;
  /** Run the C yardstick (built with gcc on first use); default true. */
  readonly native?: boolean;
}

export interface KernelBenchRow {
  readonly name: string;
  readonly comparisons: number;
  readonly pairsFound: number;
  readonly seconds: number;
  readonly comparisonsPerSecond: number;
}

export interface KernelBenchResult {
  readonly setup: Required<Omit<KernelBenchOptions, 'native'>>;
  readonly rows: KernelBenchRow[];
  /** Throughput ratios against the C scalar kernel, when it ran. */
  readonly ratios: { readonly wasmToCScalar?: number; readonly tsToCScalar?: number };
  /** Whether every implementation made the same comparisons and found the same pairs. */
  readonly agree: boolean;
  readonly notes: string[];
}

const DEFAULTS = { nA: 2_000, nB: 20_000, bits: 1024, threshold: 0.8, seed: 20261125, repeats: 3 };

export async function benchKernel(options: KernelBenchOptions = {}): Promise<KernelBenchResult> {
  const setup = {
    nA: options.nA ?? DEFAULTS.nA,
    nB: options.nB ?? DEFAULTS.nB,
    bits: options.bits ?? DEFAULTS.bits,
    threshold: options.threshold ?? DEFAULTS.threshold,
    seed: options.seed ?? DEFAULTS.seed,
    repeats: Math.max(1, options.repeats ?? DEFAULTS.repeats),
  };
  const notes: string[] = [];
  const wasm = selectKernel('wasm');
  // In the WASM kernel's memory, so it reads them in place; the TS kernel reads any store.
  const { A, B } = makeFilters(setup, wasm.allocator);
  const rows = [timeKernel(wasm, 'wasm', A, B, setup), timeKernel(selectKernel('ts'), 'ts', A, B, setup)];
  if (options.native !== false) rows.push(...runNative(A, B, setup, notes));

  const cScalar = rows.find((r) => r.name === 'c-scalar');
  const ratio = (name: string) => {
    const r = rows.find((x) => x.name === name);
    return r && cScalar ? r.comparisonsPerSecond / cScalar.comparisonsPerSecond : undefined;
  };
  const agree = rows.every(
    (r) => r.pairsFound === rows[0]!.pairsFound && r.comparisons === rows[0]!.comparisons,
  );
  if (!agree) notes.push('implementations disagree on comparisons or pairs found: see the table');
  return { setup, rows, ratios: { wasmToCScalar: ratio('wasm'), tsToCScalar: ratio('ts') }, agree, notes };
}

/** splitmix32: seeded, so every run and the C program see the same filters. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

function makeFilters(setup: typeof DEFAULTS, allocator: StoreAllocator): { A: FilterStore; B: FilterStore } {
  const rnd = random(setup.seed);
  const fill = (store: FilterStore) => {
    for (let i = 0; i < store.count; i++) {
      const density = 0.3 + 0.1 * rnd();
      const f = store.filter(i);
      for (let b = 0; b < store.bits; b++) if (rnd() < density) f[b >>> 3]! |= 1 << (b & 7);
    }
  };
  const A = FilterStore.allocate(setup.nA, setup.bits, { allocator });
  const B = FilterStore.allocate(setup.nB, setup.bits, { allocator });
  fill(A);
  fill(B);
  // Plant near-copies (about 3 % of bits flipped, Dice ≈ 0.95) of every 100th A row in B.
  for (let i = 0; i < setup.nA && setup.nB > 0; i += 100) {
    const f = B.filter(Math.floor(rnd() * setup.nB));
    f.set(A.filter(i));
    for (let n = 0; n < setup.bits * 0.03; n++) {
      const b = Math.floor(rnd() * setup.bits);
      f[b >>> 3]! ^= 1 << (b & 7);
    }
  }
  A.recount();
  B.recount();
  return { A, B };
}

function timeKernel(
  kernel: DiceKernel,
  name: string,
  A: FilterStore,
  B: FilterStore,
  setup: typeof DEFAULTS,
): KernelBenchRow {
  const out = new CandidateBuffer();
  // Warm-up on a few rows, so V8 has optimised code before the clock starts.
  kernel.compare(A, 0, Math.min(A.count, 32), B, 0, B.count, setup.threshold, out);
  let best = Number.POSITIVE_INFINITY;
  let comparisons = 0;
  for (let r = 0; r < setup.repeats; r++) {
    out.clear();
    const t0 = process.hrtime.bigint();
    comparisons = kernel.compare(A, 0, A.count, B, 0, B.count, setup.threshold, out);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return {
    name,
    comparisons,
    pairsFound: out.length,
    seconds: best,
    comparisonsPerSecond: comparisons / best,
  };
}

/** The repository root, from bench/ (TypeScript sources) or dist/bench/ (compiled). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'native-bench', 'dice.c'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('native-bench/dice.c not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

function runNative(
  A: FilterStore,
  B: FilterStore,
  setup: typeof DEFAULTS,
  notes: string[],
): KernelBenchRow[] {
  const root = projectRoot();
  const source = join(root, 'native-bench', 'dice.c');
  const binary = join(root, 'native-bench', 'build', 'dice');
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    if (spawnSync(process.env.CC ?? 'gcc', ['--version']).status !== 0) {
      notes.push('C yardstick skipped: gcc not found (install gcc, then npm run bench:native:build)');
      return [];
    }
    const built = spawnSync('sh', [join(root, 'native-bench', 'build.sh')], { encoding: 'utf8' });
    if (built.status !== 0) {
      notes.push(`C yardstick skipped: build failed: ${built.stderr.trim()}`);
      return [];
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'cohortlink-kernel-'));
  try {
    const file = join(dir, 'filters.cldk');
    writeFileSync(file, inputFile(A, B));
    const run = spawnSync(binary, [file, String(setup.threshold), String(setup.repeats)], {
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      notes.push(`C yardstick failed: ${run.stderr.trim()}`);
      return [];
    }
    const rows: KernelBenchRow[] = [];
    for (const line of run.stdout.trim().split('\n')) {
      const r = JSON.parse(line) as {
        impl: string;
        skipped?: string;
        comparisons: number;
        pairs: number;
        seconds: number;
        comparisonsPerSecond: number;
      };
      if (r.skipped) notes.push(`${r.impl} skipped: ${r.skipped}`);
      else
        rows.push({
          name: r.impl,
          comparisons: r.comparisons,
          pairsFound: r.pairs,
          seconds: r.seconds,
          comparisonsPerSecond: r.comparisonsPerSecond,
        });
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** native-bench/dice.c's input: "CLDK", nA, nB, 64-bit words per filter (uint32 LE), then A and B. */
function inputFile(A: FilterStore, B: FilterStore): Uint8Array {
  const header = new Uint32Array([0x4b444c43, A.count, B.count, A.bits / 64]);
  const file = new Uint8Array(16 + A.bytes.length + B.bytes.length);
  file.set(new Uint8Array(header.buffer), 0);
  file.set(A.bytes, 16);
  file.set(B.bytes, 16 + A.bytes.length);
  return file;
}

/** Prints a benchKernel result as the table `npm run bench` and `npm run bench:kernel` show. */
export function printKernelResult(result: KernelBenchResult): void {
  const { setup } = result;
  console.log(
    `\nDice kernels: ${setup.nA.toLocaleString('en-GB')} × ${setup.nB.toLocaleString('en-GB')} filters of ` +
      `${setup.bits} bits, threshold ${setup.threshold}, best of ${setup.repeats}, one core (node ${process.version})`,
  );
  console.table(
    result.rows.map((r) => ({
      kernel: r.name,
      'M comparisons/s': Number((r.comparisonsPerSecond / 1e6).toFixed(1)),
      'ns/comparison': Number(((r.seconds / r.comparisons) * 1e9).toFixed(2)),
      comparisons: r.comparisons,
      'pairs found': r.pairsFound,
    })),
  );
  const pct = (x: number | undefined) => (x === undefined ? 'n/a' : x.toFixed(2));
  console.log(
    `WASM / C scalar: ${pct(result.ratios.wasmToCScalar)}   TS / C scalar: ${pct(result.ratios.tsToCScalar)}`,
  );
  console.log(result.agree ? 'All implementations agree.' : 'IMPLEMENTATIONS DISAGREE.');
  for (const note of result.notes) console.log(`note: ${note}`);
  if (!result.agree) process.exitCode = 1;
}
