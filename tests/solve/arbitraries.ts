/**
 * Random small candidate sets for the solver properties. Scores come from a few Dice-like values
 * so ties are common; pairs are unique; a seed shuffles the candidate order.
 */
import fc from 'fast-check';
import { CandidateBuffer } from '../../src/matching/kernel/index.js';
import type { CandidateArrays, CandidateSet } from '../../src/matching/solve/index.js';

/** Few distinct scores, so equal scores (ties) happen in most cases. */
export const SCORES = [0.5, 0.6, 2 / 3, 0.7, 0.75, 0.8, 0.9, 1] as const;
export const scoreArb = fc.constantFrom(...SCORES);
export const thresholdArb = fc.constantFrom(0, 0.5, 0.65, 0.7, 0.8, 0.95, 1);

export interface Pair {
  a: number;
  b: number;
  score: number;
}

export function buffer(pairs: readonly Pair[]): CandidateBuffer {
  const c = new CandidateBuffer(Math.max(1, pairs.length));
  for (const p of pairs) c.push(p.a, p.b, p.score);
  return c;
}

export function pairsOf(c: CandidateArrays): Pair[] {
  return Array.from({ length: c.length }, (_, i) => ({
    a: c.aIndex[i]!,
    b: c.bIndex[i]!,
    score: c.score[i]!,
  }));
}

/** Fisher–Yates with a small LCG, so a failing order shrinks to one seed. */
export function shuffle<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Unique (a, b) pairs with a < leftCount, b < rightCount; `lower` keeps only a < b (dedup). */
function pairsArb(
  leftCount: number,
  rightCount: number,
  lower: boolean,
  maxLength = 40,
): fc.Arbitrary<Pair[]> {
  if (leftCount === 0 || rightCount === 0) return fc.constant([]);
  return fc
    .uniqueArray(
      fc.record({
        a: fc.nat({ max: leftCount - 1 }),
        b: fc.nat({ max: rightCount - 1 }),
        score: scoreArb,
      }),
      {
        selector: (p) => `${p.a},${p.b}`,
        maxLength: Math.min(maxLength, leftCount * rightCount),
        // fast-check keeps arrays short by default; dense graphs need their full length.
        size: maxLength > 40 ? 'max' : undefined,
      },
    )
    .map((ps) => (lower ? ps.filter((p) => p.a < p.b) : ps));
}

export const bipartiteArb = fc
  .record({ leftCount: fc.nat({ max: 8 }), rightCount: fc.nat({ max: 8 }) })
  .chain(({ leftCount, rightCount }) =>
    fc.record({
      leftCount: fc.constant(leftCount),
      rightCount: fc.constant(rightCount),
      pairs: pairsArb(leftCount, rightCount, false),
      threshold: thresholdArb,
      seed: fc.nat(),
    }),
  );

export const fractionArb = fc.constantFrom(0.01, 0.3, 0.5, 0.51, 0.6, 2 / 3, 0.75, 1);

/**
 * Up to 10 records sparsely linked, or up to 30 densely (most records with 10+ candidates), so
 * the clustering tests pairs both by walking candidates and by looking pairs up.
 */
export const dedupArb = fc
  .constantFrom({ most: 10, pairs: 40 }, { most: 30, pairs: 400 })
  .chain(({ most, pairs }) =>
    fc.nat({ max: most }).chain((count) =>
      fc.record({
        count: fc.constant(count),
        pairs: pairsArb(count, count, true, pairs),
        threshold: thresholdArb,
        minLinkFraction: fractionArb,
        seed: fc.nat(),
      }),
    ),
  );

export interface MultiCase {
  sizes: number[];
  sets: { datasetA: number; datasetB: number; pairs: Pair[] }[];
  threshold: number;
  minLinkFraction: number;
  seed: number;
}

/** 1–4 datasets of 0–5 records; a random subset of dataset pairs compared, in random orientation. */
export const multiArb: fc.Arbitrary<MultiCase> = fc
  .array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 4 })
  .chain((sizes) => {
    const dsPairs: [number, number][] = [];
    for (let d = 0; d < sizes.length; d++) for (let e = d + 1; e < sizes.length; e++) dsPairs.push([d, e]);
    return fc.record({
      sizes: fc.constant(sizes),
      sets: fc.subarray(dsPairs).chain((chosen) =>
        fc.tuple(
          ...chosen.map(([d, e]) =>
            fc.boolean().chain((flip) => {
              const [x, y] = flip ? [e, d] : [d, e];
              return pairsArb(sizes[x]!, sizes[y]!, false).map((pairs) => ({
                datasetA: x,
                datasetB: y,
                pairs,
              }));
            }),
          ),
        ),
      ),
      threshold: thresholdArb,
      minLinkFraction: fractionArb,
      seed: fc.nat(),
    });
  });

export function candidateSets(m: MultiCase, shuffled = false): CandidateSet[] {
  return m.sets.map((s, i) => ({
    datasetA: s.datasetA,
    datasetB: s.datasetB,
    candidates: buffer(shuffled ? shuffle(s.pairs, m.seed + i) : s.pairs),
  }));
}
