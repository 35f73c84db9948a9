import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCohortlinkError } from '../../src/errors.js';
import { orderCandidates, reference } from '../../src/matching/solve/index.js';
import { buffer, type Pair, SCORES, shuffle } from './arbitraries.js';

/** Index ranges that give 1-, 2- and 3-word keys and fields that straddle words. */
const countArb = fc.constantFrom(1, 2, 7, 300, 70_000, 2 ** 20, 2 ** 28);
/** Few distinct scores (ties), or arbitrary doubles in [0, 1] (many ranks, all 64 bits used). */
const anyScoreArb = fc.oneof(
  fc.constantFrom(...SCORES, 0, -0),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: 0, max: 4096 }).map((c) => (2 * c) / 8192),
);

const caseArb = fc.record({ aCount: countArb, bCount: countArb }).chain(({ aCount, bCount }) =>
  fc.record({
    aCount: fc.constant(aCount),
    bCount: fc.constant(bCount),
    pairs: fc.uniqueArray(
      fc.record({
        a: fc.nat({ max: aCount - 1 }),
        b: fc.nat({ max: bCount - 1 }),
        score: anyScoreArb,
      }),
      { selector: (p) => `${p.a},${p.b}`, maxLength: 200 },
    ),
    threshold: fc.constantFrom(0, 0.3, 0.5, 0.8, 1),
    seed: fc.nat(),
  }),
);

function run(pairs: Pair[], threshold: number, aCount: number, bCount: number): Pair[] {
  const o = orderCandidates(buffer(pairs), threshold, aCount, bCount);
  return Array.from(o.a, (a, k) => ({ a, b: o.b[k]!, score: o.values[o.rank[k]!]! }));
}

describe('orderCandidates', () => {
  it('sorts like a comparator sort: score descending, then lower a, then lower b', () => {
    fc.assert(
      fc.property(caseArb, ({ aCount, bCount, pairs, threshold, seed }) => {
        const expected = reference
          .sortedPairs(buffer(pairs), threshold)
          .map((p) => ({ ...p, score: p.score + 0 }));
        // -0 and +0 are one score; compare values with +0.
        const got = run(shuffle(pairs, seed), threshold, aCount, bCount).map((p) => ({
          ...p,
          score: p.score + 0,
        }));
        expect(got).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('sorts three-word keys (2^28 records a side and hundreds of distinct scores)', () => {
    const big = 2 ** 28;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ a: fc.nat({ max: big - 1 }), b: fc.nat({ max: big - 1 }) }), {
          selector: (p) => `${p.a},${p.b}`,
          minLength: 300,
          maxLength: 600,
        }),
        (ab) => {
          // Distinct scores by position (7919 is prime to 1000), so the rank needs 9+ bits.
          const pairs = ab.map((p, i) => ({ ...p, score: ((i * 7919) % 1000) / 1000 }));
          const c = buffer(pairs);
          expect(orderCandidates(c, 0, big, big).values.length).toBeGreaterThan(256);
          expect(run(pairs, 0, big, big)).toEqual(reference.sortedPairs(c, 0));
        },
      ),
      { numRuns: 20 },
    );
  });

  it('gives equal scores equal ranks and distinct scores distinct ranks', () => {
    fc.assert(
      fc.property(caseArb, ({ aCount, bCount, pairs, threshold }) => {
        const o = orderCandidates(buffer(pairs), threshold, aCount, bCount);
        for (let k = 1; k < o.length; k++) expect(o.rank[k]! >= o.rank[k - 1]!).toBe(true);
        for (let r = 1; r < o.values.length; r++) expect(o.values[r]! < o.values[r - 1]!).toBe(true);
      }),
    );
  });

  it('returns nothing for no candidates or none at the threshold', () => {
    expect(orderCandidates(buffer([]), 0.5, 0, 0).length).toBe(0);
    const o = orderCandidates(buffer([{ a: 0, b: 0, score: 0.49 }]), 0.5, 1, 1);
    expect(o.length).toBe(0);
    expect(o.values.length).toBe(0);
  });

  it('refuses an index outside its dataset, naming the candidate', () => {
    const c = buffer([
      { a: 0, b: 1, score: 0.9 },
      { a: 3, b: 0, score: 0.9 },
    ]);
    const err = (() => {
      try {
        orderCandidates(c, 0.5, 3, 2);
      } catch (e) {
        return e;
      }
    })();
    expect(isCohortlinkError(err) && err.code).toBe('CL_INTERNAL');
    expect(String((err as Error).message)).toMatch(
      /candidate 1 has aIndex 3, outside a dataset of 3 records/,
    );
    // Indices are checked even where the score is below the threshold.
    expect(() => orderCandidates(buffer([{ a: 0, b: 5, score: 0.1 }]), 0.5, 1, 5)).toThrow(/bIndex 5/);
  });
});
