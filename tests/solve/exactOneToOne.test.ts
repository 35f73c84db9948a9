/**
 * exactOneToOne: greedy one-to-one over every candidate at or above the threshold, from lists
 * cut to each row's k best, against the slow reference greedy over all candidates. Cases are
 * dense and full of ties, with k = 1..3, so the cut loses pairs often; the lists keep equal
 * scores at the cut in an arbitrary (seeded) order, which the proof must not rely on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCohortlinkError } from '../../src/errors.js';
import { type ExactOneToOneOptions, exactOneToOne } from '../../src/matching/solve/exactOneToOne.js';
import { type Links, oneToOne, reference } from '../../src/matching/solve/index.js';
import { buffer, type Pair, pairsOf, SCORES } from './arbitraries.js';

/** Each listed row's pairs scoring at least `floor`, its k best (all when k is undefined), rows ascending. */
function cut(
  all: readonly Pair[],
  rows: Iterable<number>,
  k: number | undefined,
  floor: number,
  seed: number,
) {
  // Equal scores are kept in a seeded order, not by right record: any k best will do.
  const tie = (p: Pair) => (Math.imul(p.b + 1, 0x9e3779b1) ^ Math.imul(seed + 1, 0x85ebca6b)) >>> 0;
  const out: Pair[] = [];
  for (const a of [...new Set(rows)].sort((x, y) => x - y)) {
    const row = all.filter((p) => p.a === a && p.score >= floor);
    row.sort((x, y) => y.score - x.score || tie(x) - tie(y));
    out.push(...row.slice(0, k ?? row.length));
  }
  return buffer(out);
}

const linkOf = (l: Links) => ({
  pairs: Array.from(l.left, (a, n) => `${a}~${l.right[n]} ${l.score[n]}`),
  rightLinked: l.rightLinked,
  leftUnlinked: l.leftUnlinked,
  rightUnlinked: l.rightUnlinked,
});

/** Dense: most pairs of up to 7 × 7 records exist, with few distinct scores. */
const denseArb = fc
  .record({ leftCount: fc.integer({ min: 1, max: 7 }), rightCount: fc.integer({ min: 1, max: 7 }) })
  .chain(({ leftCount, rightCount }) =>
    fc.record({
      leftCount: fc.constant(leftCount),
      rightCount: fc.constant(rightCount),
      scores: fc.array(fc.option(fc.constantFrom(...SCORES), { freq: 5 }), {
        minLength: leftCount * rightCount,
        maxLength: leftCount * rightCount,
      }),
      threshold: fc.constantFrom(0.5, 0.6, 0.7, 0.75, 0.8),
      lowerFloor: fc.boolean(),
      k: fc.integer({ min: 1, max: 3 }),
      /** maxTopK = k · this: small ones reach "every candidate" within a round or two. */
      maxFactor: fc.constantFrom(1, 3, 16, 1024),
      seed: fc.nat(),
    }),
  )
  .map((c) => {
    const all: Pair[] = [];
    c.scores.forEach((s, n) => {
      if (s !== null) all.push({ a: Math.floor(n / c.rightCount), b: n % c.rightCount, score: s });
    });
    // Scoring may keep pairs below the threshold (floor < threshold); greedy ignores them.
    const floor = c.lowerFloor ? 0.5 : c.threshold;
    return { ...c, all, floor };
  });

function optionsFor(
  x: { leftCount: number; rightCount: number; threshold: number; k: number; maxFactor: number },
  widen: ExactOneToOneOptions['widen'],
): ExactOneToOneOptions {
  return {
    leftCount: x.leftCount,
    rightCount: x.rightCount,
    threshold: x.threshold,
    topK: x.k,
    maxTopK: x.k * x.maxFactor,
    widen,
  };
}

describe('exactOneToOne', () => {
  it('equals reference greedy over every candidate, where greedy over the top-k lists often does not', async () => {
    let truncationLost = 0;
    let widenedCases = 0;
    await fc.assert(
      fc.asyncProperty(denseArb, async (x) => {
        const rows = Array.from({ length: x.leftCount }, (_, a) => a);
        const first = cut(x.all, rows, x.k, x.floor, x.seed);
        const o = { leftCount: x.leftCount, rightCount: x.rightCount, threshold: x.threshold };
        let calls = 0;
        const r = await exactOneToOne(
          first,
          optionsFor(x, async (asked, k) => {
            expect([...asked]).toEqual([...asked].sort((p, q) => p - q));
            expect(k === undefined || k <= x.k * x.maxFactor).toBe(true);
            return cut(x.all, asked, k, x.floor, x.seed + ++calls);
          }),
        );
        const truth = reference.oneToOne(buffer(x.all), o);
        expect(linkOf(r.links)).toEqual(linkOf(truth));
        // The links are oneToOne's over the candidates handed on, counts included.
        expect(r.links).toEqual(oneToOne(r.candidates, o));
        // Handed on: a subset of every candidate, each row's list its best, grouped by row.
        const score = new Map(x.all.map((p) => [`${p.a},${p.b}`, p.score]));
        const held = pairsOf(r.candidates);
        expect(new Set(held.map((p) => `${p.a},${p.b}`)).size).toBe(held.length);
        held.forEach((p, n) => {
          expect(score.get(`${p.a},${p.b}`)).toBe(p.score);
          if (n > 0) expect(p.a).toBeGreaterThanOrEqual(held[n - 1]!.a);
        });
        for (const a of rows) {
          const mine = held.filter((p) => p.a === a);
          const low = Math.min(...mine.map((p) => p.score));
          const missed = x.all.filter(
            (p) => p.a === a && p.score >= x.floor && !mine.some((q) => q.b === p.b),
          );
          for (const p of missed) expect(p.score).toBeLessThanOrEqual(low);
        }
        expect(r.requery.pairsAdded).toBe(r.candidates.length - first.length);
        if (r.requery.rounds > 0) widenedCases++;
        if (JSON.stringify(linkOf(oneToOne(first, o))) !== JSON.stringify(linkOf(truth))) truncationLost++;
      }),
      { numRuns: 600 },
    );
    // Not vacuous: plain greedy over the cut lists must have been wrong in many cases.
    expect(truncationLost).toBeGreaterThan(50);
    expect(widenedCases).toBeGreaterThan(truncationLost);
  });

  it('finds the partner ranked below k when every better one goes to someone else', async () => {
    // Row 0's two best (0.8) belong to rows 1 and 2 (0.9); its partner, right 2, scores 0.7.
    const all: Pair[] = [
      { a: 0, b: 0, score: 0.8 },
      { a: 0, b: 1, score: 0.8 },
      { a: 0, b: 2, score: 0.7 },
      { a: 1, b: 0, score: 0.9 },
      { a: 2, b: 1, score: 0.9 },
    ];
    const x = { leftCount: 3, rightCount: 3, threshold: 0.5, k: 2, maxFactor: 512 };
    const first = cut(all, [0, 1, 2], 2, 0.5, 0);
    expect(linkOf(oneToOne(first, x)).pairs).toEqual(['1~0 0.9', '2~1 0.9']);
    const asked: [number[], number | undefined][] = [];
    const r = await exactOneToOne(
      first,
      optionsFor(x, async (rows, k) => {
        asked.push([[...rows], k]);
        return cut(all, rows, k, 0.5, 0);
      }),
    );
    expect(linkOf(r.links).pairs).toEqual(['0~2 0.7', '1~0 0.9', '2~1 0.9']);
    expect(asked).toEqual([[[0], 8]]);
    expect(r.requery).toMatchObject({ rounds: 1, rows: 1, pairsAdded: 1 });
  });

  it('widens a row linked at exactly its lowest kept score (a tie with what the cut left out)', async () => {
    // Row 0 ties at 0.8 with rights 0, 1 and 2; greedy over all takes 0~0 (lower right first),
    // but a cut that kept rights 1 and 2 would link 0~1.
    const all: Pair[] = [0, 1, 2].map((b) => ({ a: 0, b, score: 0.8 }));
    const first = buffer(all.slice(1));
    const x = { leftCount: 1, rightCount: 3, threshold: 0.5, k: 2, maxFactor: 512 };
    expect(linkOf(oneToOne(first, x)).pairs).toEqual(['0~1 0.8']);
    const r = await exactOneToOne(
      first,
      optionsFor(x, async (rows, k) => cut(all, rows, k, 0.5, 0)),
    );
    expect(linkOf(r.links).pairs).toEqual(['0~0 0.8']);
    expect(r.requery.rounds).toBe(1);
  });

  it('asks for every candidate once k would pass maxTopK, and stops there', async () => {
    // Row 0 ranks its partner last of 40; rows 1..39 take its better ones.
    const n = 40;
    const all: Pair[] = [];
    for (let b = 0; b < n; b++) all.push({ a: 0, b, score: b === n - 1 ? 0.6 : 0.7 });
    for (let a = 1; a < n; a++) all.push({ a, b: a - 1, score: 0.9 });
    const rows = Array.from({ length: n }, (_, a) => a);
    const ks: (number | undefined)[] = [];
    const r = await exactOneToOne(cut(all, rows, 1, 0.5, 0), {
      leftCount: n,
      rightCount: n,
      threshold: 0.5,
      topK: 1,
      maxTopK: 16,
      widen: async (asked, k) => {
        ks.push(k);
        return cut(all, asked, k, 0.5, 0);
      },
    });
    expect(ks).toEqual([4, 16, undefined]);
    expect(r.links.length).toBe(n);
    expect(linkOf(r.links).pairs[0]).toBe('0~39 0.6');
  });

  it('returns the candidates as given when no cut can matter', async () => {
    // Row 0 is linked above its lowest kept score, row 1 holds fewer than k, row 2's cut is below the threshold.
    const first = buffer([
      { a: 0, b: 0, score: 0.9 },
      { a: 0, b: 1, score: 0.8 },
      { a: 1, b: 1, score: 0.85 },
      { a: 2, b: 2, score: 0.7 },
      { a: 2, b: 0, score: 0.4 },
    ]);
    const r = await exactOneToOne(first, {
      leftCount: 3,
      rightCount: 3,
      threshold: 0.5,
      topK: 2,
      maxTopK: 1024,
      widen: () => Promise.reject(new Error('not needed')),
    });
    expect(r.candidates).toBe(first);
    expect(r.requery).toEqual({ rounds: 0, rows: 0, pairsAdded: 0, seconds: 0 });
  });

  it('refuses candidates not grouped by row, a widening that answers for other rows, and a bad k', async () => {
    const o = { leftCount: 3, rightCount: 3, threshold: 0.5, topK: 1, maxTopK: 1024 };
    const code = (e: unknown) => (isCohortlinkError(e) ? e.code : String(e));
    const grouped = buffer([
      { a: 1, b: 0, score: 0.9 },
      { a: 0, b: 1, score: 0.9 },
    ]);
    await expect(exactOneToOne(grouped, { ...o, widen: async () => buffer([]) }).catch(code)).resolves.toBe(
      'CL_INTERNAL',
    );
    const first = buffer([
      { a: 0, b: 0, score: 0.8 },
      { a: 1, b: 0, score: 0.9 },
    ]);
    const stray = buffer([{ a: 2, b: 1, score: 0.7 }]);
    await expect(exactOneToOne(first, { ...o, widen: async () => stray }).catch(code)).resolves.toBe(
      'CL_INTERNAL',
    );
    await expect(
      exactOneToOne(first, { ...o, topK: 0, widen: async () => buffer([]) }).catch(code),
    ).resolves.toBe('CL_INTERNAL');
  });
});
