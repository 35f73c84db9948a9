import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { type Links, manyToOne, oneToOne, reference } from '../../src/matching/solve/index.js';
import { bipartiteArb, buffer, type Pair, shuffle } from './arbitraries.js';

const linkPairs = (l: Links): Pair[] =>
  Array.from(l.left, (a, k) => ({ a, b: l.right[k]!, score: l.score[k]! }));

describe.each([
  ['oneToOne', oneToOne, reference.oneToOne],
  ['manyToOne', manyToOne, reference.manyToOne],
] as const)('%s', (_name, solve, naive) => {
  it('equals the naive solver (ties, empty input, all below the threshold included)', () => {
    fc.assert(
      fc.property(bipartiteArb, ({ pairs, seed, ...o }) => {
        expect(solve(buffer(shuffle(pairs, seed)), o)).toEqual(naive(buffer(pairs), o));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same links for any order of the candidates', () => {
    fc.assert(
      fc.property(bipartiteArb, fc.nat(), ({ pairs, seed, ...o }, seed2) => {
        expect(solve(buffer(shuffle(pairs, seed)), o)).toEqual(solve(buffer(shuffle(pairs, seed2)), o));
      }),
    );
  });

  it('links at threshold t = links at a lower threshold that score at least t', () => {
    fc.assert(
      fc.property(bipartiteArb, fc.constantFrom(0, 0.5, 0.6, 0.7), ({ pairs, ...o }, lower) => {
        const t = Math.max(o.threshold, lower);
        const high = linkPairs(solve(buffer(pairs), { ...o, threshold: t }));
        const low = linkPairs(solve(buffer(pairs), { ...o, threshold: lower })).filter((p) => p.score >= t);
        expect(high).toEqual(low);
      }),
      { numRuns: 300 },
    );
  });

  it('links only candidates at or above the threshold, each left record at most once, sorted by left', () => {
    fc.assert(
      fc.property(bipartiteArb, ({ pairs, ...o }) => {
        const l = solve(buffer(pairs), o);
        const candidates = new Map(pairs.map((p) => [`${p.a},${p.b}`, p.score]));
        linkPairs(l).forEach((p, k) => {
          expect(candidates.get(`${p.a},${p.b}`)).toBe(p.score);
          expect(p.score).toBeGreaterThanOrEqual(o.threshold);
          if (k > 0) expect(p.a).toBeGreaterThan(l.left[k - 1]!);
        });
        expect(l.leftUnlinked).toBe(o.leftCount - l.length);
        expect(l.candidatesConsidered).toBe(pairs.filter((p) => p.score >= o.threshold).length);
      }),
    );
  });

  it('refuses bad options together, before allocating', () => {
    const c = buffer([]);
    try {
      solve(c, { leftCount: -1, rightCount: 2 ** 40, threshold: 1.5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CohortlinkError);
      expect((e as CohortlinkError).code).toBe('CL_USAGE');
      expect((e as CohortlinkError).issues.map((i) => i.path)).toEqual([
        'leftCount',
        'rightCount',
        'threshold',
      ]);
    }
    expect(() => solve(c, { leftCount: 1, rightCount: 1, threshold: Number.NaN })).toThrow(/invalid/);
  });

  it('refuses a candidate outside a dataset', () => {
    expect(() =>
      solve(buffer([{ a: 2, b: 0, score: 0.9 }]), { leftCount: 2, rightCount: 1, threshold: 0.5 }),
    ).toThrow(/candidate 0 has aIndex 2/);
  });
});

describe('oneToOne', () => {
  it('links each right record at most once, and leaves no free pair above the threshold (maximal)', () => {
    fc.assert(
      fc.property(bipartiteArb, ({ pairs, ...o }) => {
        const l = oneToOne(buffer(pairs), o);
        const left = new Set(l.left);
        const right = new Set(l.right);
        expect(right.size).toBe(l.length);
        expect(l.rightLinked).toBe(l.length);
        for (const p of pairs) if (p.score >= o.threshold) expect(left.has(p.a) || right.has(p.b)).toBe(true);
      }),
    );
  });

  it.each([
    {
      description: 'a tie goes to the lower left, then the lower right',
      pairs: [
        { a: 1, b: 0, score: 0.9 },
        { a: 0, b: 1, score: 0.9 },
        { a: 0, b: 0, score: 0.9 },
        { a: 1, b: 1, score: 0.8 },
      ],
      expected: [
        { a: 0, b: 0, score: 0.9 },
        { a: 1, b: 1, score: 0.8 },
      ],
    },
    {
      description: 'greedy, not optimal: the best pair wins even when two lesser pairs sum higher',
      pairs: [
        { a: 0, b: 0, score: 0.95 },
        { a: 0, b: 1, score: 0.9 },
        { a: 1, b: 0, score: 0.9 },
      ],
      expected: [{ a: 0, b: 0, score: 0.95 }],
    },
    {
      description: 'a pair exactly at the threshold is kept, one just below is not',
      pairs: [
        { a: 0, b: 0, score: 0.8 },
        { a: 1, b: 1, score: 0.7999999999999999 },
      ],
      expected: [{ a: 0, b: 0, score: 0.8 }],
    },
  ])('$description', ({ pairs, expected }) => {
    expect(linkPairs(oneToOne(buffer(pairs), { leftCount: 2, rightCount: 2, threshold: 0.8 }))).toEqual(
      expected,
    );
  });
});

describe('manyToOne', () => {
  it('links every left record with a candidate to its best right record (ties: lower right)', () => {
    fc.assert(
      fc.property(bipartiteArb, ({ pairs, ...o }) => {
        const l = manyToOne(buffer(pairs), o);
        const kept = pairs.filter((p) => p.score >= o.threshold);
        expect(l.length).toBe(new Set(kept.map((p) => p.a)).size);
        for (const link of linkPairs(l))
          for (const p of kept)
            if (p.a === link.a)
              expect(p.score < link.score || (p.score === link.score && p.b >= link.b)).toBe(true);
        expect(l.rightLinked).toBe(new Set(l.right).size);
      }),
    );
  });

  it('lets a spine record take many left records', () => {
    const c = buffer([
      { a: 0, b: 0, score: 0.9 },
      { a: 1, b: 0, score: 0.85 },
      { a: 1, b: 1, score: 0.8 },
    ]);
    const l = manyToOne(c, { leftCount: 2, rightCount: 2, threshold: 0.8 });
    expect(linkPairs(l)).toEqual([
      { a: 0, b: 0, score: 0.9 },
      { a: 1, b: 0, score: 0.85 },
    ]);
    expect([l.rightLinked, l.rightUnlinked, l.leftUnlinked]).toEqual([1, 1, 0]);
  });
});
