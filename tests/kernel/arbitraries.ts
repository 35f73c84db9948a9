/**
 * Random filter stores for the kernel properties. A filter is described by a small spec
 * (density + seed, empty, all ones, a copy or a near-copy of an earlier filter) and built with a
 * seeded generator, so fast-check shrinks a failure to a few numbers instead of thousands of bits.
 */
import fc from 'fast-check';
import {
  CandidateBuffer,
  type DiceKernel,
  FilterStore,
  referenceKernel,
  type StoreAllocator,
  selectKernel,
  sharedAllocator,
  sortByPopcount,
} from '../../src/matching/kernel/index.js';

export const LENGTHS = [64, 128, 512, 1024, 2048] as const;

export type FilterSpec =
  | { kind: 'random'; density: number; seed: number }
  | { kind: 'empty' }
  | { kind: 'full' }
  | { kind: 'copy'; of: number }
  | { kind: 'near'; of: number; flips: number; seed: number };

export interface FilterSpecWeights {
  readonly random?: number;
  readonly empty?: number;
  readonly full?: number;
  readonly copy?: number;
  readonly near?: number;
}

/**
 * Filter specs drawn with these weights (a kind left out or weighted 0 is never drawn), random
 * densities in `density` and near-copies with 1 to `maxFlips` flipped bits.
 */
export function filterSpecArb(
  weights: FilterSpecWeights,
  density: { min: number; max: number } = { min: 0, max: 1 },
  maxFlips = 12,
): fc.Arbitrary<FilterSpec> {
  const kinds: { weight: number; arbitrary: fc.Arbitrary<FilterSpec> }[] = [
    {
      weight: weights.random ?? 0,
      arbitrary: fc.record({
        kind: fc.constant('random' as const),
        density: fc.double({ ...density, noNaN: true }),
        seed: fc.integer(),
      }),
    },
    { weight: weights.empty ?? 0, arbitrary: fc.constant({ kind: 'empty' as const }) },
    { weight: weights.full ?? 0, arbitrary: fc.constant({ kind: 'full' as const }) },
    {
      weight: weights.copy ?? 0,
      arbitrary: fc.record({ kind: fc.constant('copy' as const), of: fc.nat() }),
    },
    {
      weight: weights.near ?? 0,
      arbitrary: fc.record({
        kind: fc.constant('near' as const),
        of: fc.nat(),
        flips: fc.integer({ min: 1, max: maxFlips }),
        seed: fc.integer(),
      }),
    },
  ];
  return fc.oneof(...kinds.filter((k) => k.weight > 0));
}

const filterSpec = filterSpecArb({ random: 5, empty: 1, full: 1, copy: 2, near: 3 });

/** Mulberry32: a tiny seeded generator, so a spec always builds the same bits. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds filters in order; copies refer to any filter built before (in either store). */
export function buildFilters(
  specs: readonly FilterSpec[],
  bits: number,
  earlier: Uint8Array[] = [],
): Uint8Array[] {
  const pool = [...earlier];
  const out: Uint8Array[] = [];
  for (const spec of specs) {
    const f = new Uint8Array(bits / 8);
    if (spec.kind === 'full') f.fill(0xff);
    else if (spec.kind === 'random') {
      const r = rng(spec.seed);
      for (let b = 0; b < bits; b++) if (r() < spec.density) f[b >>> 3]! |= 1 << (b & 7);
    } else if ((spec.kind === 'copy' || spec.kind === 'near') && pool.length > 0) {
      f.set(pool[spec.of % pool.length]!);
      if (spec.kind === 'near') {
        const r = rng(spec.seed);
        for (let n = 0; n < spec.flips; n++) {
          const b = Math.floor(r() * bits);
          f[b >>> 3]! ^= 1 << (b & 7);
        }
      }
    }
    pool.push(f);
    out.push(f);
  }
  return out;
}

export type Placement = 'plain' | 'shared' | 'wasm';

export function allocatorOf(p: Placement): StoreAllocator | undefined {
  if (p === 'shared') return sharedAllocator;
  if (p === 'wasm') return selectKernel('wasm').allocator;
  return undefined;
}

export interface Case {
  bits: number;
  a: FilterSpec[];
  b: FilterSpec[];
  /** Sub-ranges as fractions of each store, so shrinking the stores keeps them valid. */
  aRange: [number, number];
  bRange: [number, number];
  sortB: boolean;
  placeA: Placement;
  placeB: Placement;
  /** A plain threshold, or 'at' a score the reference found (exactly at the threshold). */
  threshold: { kind: 'plain'; t: number } | { kind: 'at'; pick: number };
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true });
const range = fc.tuple(fraction, fraction).map(([x, y]): [number, number] => (x <= y ? [x, y] : [y, x]));
const placement = fc.constantFrom<Placement>('plain', 'shared', 'wasm');

export const caseArb: fc.Arbitrary<Case> = fc.record({
  bits: fc.constantFrom(...LENGTHS),
  a: fc.array(filterSpec, { minLength: 0, maxLength: 9, size: 'max' }),
  b: fc.array(filterSpec, { minLength: 0, maxLength: 23, size: 'max' }),
  aRange: fc.oneof(
    { weight: 3, arbitrary: fc.constant<[number, number]>([0, 1]) },
    { weight: 1, arbitrary: range },
  ),
  bRange: fc.oneof(
    { weight: 3, arbitrary: fc.constant<[number, number]>([0, 1]) },
    { weight: 1, arbitrary: range },
  ),
  sortB: fc.boolean(),
  placeA: placement,
  placeB: placement,
  threshold: fc.oneof(
    fc.record({ kind: fc.constant('plain' as const), t: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('plain' as const), t: fc.constantFrom(0, 1, 0.5, 0.8, 2 / 3, 0.9) }),
    fc.record({ kind: fc.constant('at' as const), pick: fc.nat() }),
  ),
});

export interface Built {
  A: FilterStore;
  B: FilterStore;
  aStart: number;
  aEnd: number;
  bStart: number;
  bEnd: number;
  threshold: number;
}

function span(n: number, [x, y]: [number, number]): [number, number] {
  return [Math.floor(x * n), Math.floor(y * n)];
}

export function build(c: Case): Built {
  const aBytes = buildFilters(c.a, c.bits);
  const bBytes = buildFilters(c.b, c.bits, aBytes);
  const A = FilterStore.fromBytes(aBytes, { bits: c.bits, allocator: allocatorOf(c.placeA) });
  let B = FilterStore.fromBytes(bBytes, { bits: c.bits, allocator: allocatorOf(c.placeB) });
  if (c.sortB) B = sortByPopcount(B).store;
  const [aStart, aEnd] = span(A.count, c.aRange);
  const [bStart, bEnd] = span(B.count, c.bRange);
  let threshold = c.threshold.kind === 'plain' ? c.threshold.t : 0.5;
  if (c.threshold.kind === 'at') {
    const all = new CandidateBuffer();
    referenceKernel.compare(A, aStart, aEnd, B, bStart, bEnd, 0, all);
    if (all.length > 0) threshold = all.score[c.threshold.pick % all.length]!;
  }
  return { A, B, aStart, aEnd, bStart, bEnd, threshold };
}

export interface Result {
  compared: number;
  a: number[];
  b: number[];
  score: number[];
}

export function run(kernel: DiceKernel, x: Built, topK?: number, initialCapacity = 4): Result {
  const out = new CandidateBuffer(initialCapacity);
  const compared = kernel.compare(x.A, x.aStart, x.aEnd, x.B, x.bStart, x.bEnd, x.threshold, out, { topK });
  return {
    compared,
    a: Array.from(out.aIndex.subarray(0, out.length)),
    b: Array.from(out.bIndex.subarray(0, out.length)),
    score: Array.from(out.score.subarray(0, out.length)),
  };
}
