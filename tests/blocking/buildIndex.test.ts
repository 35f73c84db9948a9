import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBlockIndex, pairCompleteness } from '../../src/blocking/buildIndex.js';
import { chooseLshParameters } from '../../src/blocking/lshParameters.js';
import { dataset, indexPairs, randomFilters } from './helpers.js';

const keyArb = fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null });
const sideArb = fc.array(fc.record({ p1: keyArb, p2: keyArb }), { minLength: 0, maxLength: 12 });

function side(name: string, rows: readonly { p1: string | null; p2: string | null }[]) {
  return dataset(name, randomFilters(rows.length, 8, rows.length + 7), {
    p1: rows.map((r) => r.p1),
    p2: rows.map((r) => r.p2),
  });
}

describe('keyed blocking', () => {
  it('puts forward exactly the pairs sharing a key in some pass (union of passes, no duplicates)', () => {
    fc.assert(
      fc.property(sideArb, sideArb, (l, r) => {
        const built = buildBlockIndex(side('L', l), side('R', r), { mode: 'keys' });
        const expected = new Set<string>();
        l.forEach((a, i) => {
          r.forEach((b, j) => {
            if ((a.p1 !== null && a.p1 === b.p1) || (a.p2 !== null && a.p2 === b.p2))
              expected.add(`${i},${j}`);
          });
        });
        expect(indexPairs(built.index)).toEqual(expected);
      }),
    );
  });

  it('deduplication only pairs each record with later records', () => {
    fc.assert(
      fc.property(sideArb, (rows) => {
        const built = buildBlockIndex(side('D', rows), 'self', { mode: 'keys' });
        const expected = new Set<string>();
        rows.forEach((a, i) => {
          rows.forEach((b, j) => {
            if (j > i && ((a.p1 !== null && a.p1 === b.p1) || (a.p2 !== null && a.p2 === b.p2)))
              expected.add(`${i},${j}`);
          });
        });
        expect(indexPairs(built.index)).toEqual(expected);
      }),
    );
  });

  it('caps oversized blocks explicitly and reports them', () => {
    const l = side(
      'L',
      Array.from({ length: 6 }, (_, i) => ({ p1: 'big', p2: i === 0 ? 'x' : null })),
    );
    const r = side(
      'R',
      Array.from({ length: 5 }, (_, j) => ({ p1: 'big', p2: j === 0 ? 'x' : null })),
    );
    const built = buildBlockIndex(l, r, { mode: 'keys', maxBlockPairs: 20 });
    const p1 = built.report.passes.find((p) => p.name === 'p1')!;
    expect(p1).toMatchObject({ cappedBlocks: 1, cappedPairs: 30, cappedRecords: 6, blocks: 0, pairs: 0 });
    // The capped block is gone from p1; only the p2 pair survives.
    expect(indexPairs(built.index)).toEqual(new Set(['0,0']));
    // Outside the p2 pair, every record's only block was capped.
    expect(built.report.unblockedLeft).toBe(5);
    expect(built.report.unblockedRight).toBe(4);
    expect(pairCompleteness(built, Uint32Array.of(0, 1), Uint32Array.of(0, 1))).toBe(0.5);
  });

  it('refuses a key the encodings do not both carry, naming it', () => {
    const l = dataset('L', randomFilters(2, 8, 1), { p1: ['a', 'b'] });
    const r = dataset('R', randomFilters(2, 8, 2), { p2: ['a', 'b'] });
    expect(() => buildBlockIndex(l, r, { mode: 'keys', keys: ['p1'] })).toThrow(/p1 not carried by both/);
  });

  it('all-pairs mode puts forward every pair; auto uses it for small inputs', () => {
    const l = side('L', [
      { p1: 'a', p2: null },
      { p1: null, p2: null },
    ]);
    const r = side('R', [
      { p1: 'b', p2: null },
      { p1: null, p2: 'c' },
      { p1: 'a', p2: null },
    ]);
    const built = buildBlockIndex(l, r, { mode: 'auto' });
    expect(built.report.mode).toBe('all-pairs');
    expect(indexPairs(built.index).size).toBe(6);
  });
});

describe('LSH blocking', () => {
  it('finds identical filters always and near-copies mostly; random pairs rarely', () => {
    const n = 2000;
    const base = randomFilters(n, 128, 99);
    const near = base.map((f, i) => {
      const g = f.slice();
      g[i % 128]! ^= 1 << (i % 8); // one bit flipped
      return g;
    });
    const built = buildBlockIndex(dataset('L', base, {}, 1024), dataset('R', near, {}, 1024), {
      mode: 'lsh',
    });
    const pairs = indexPairs(built.index);
    let found = 0;
    for (let i = 0; i < n; i++) if (pairs.has(`${i},${i}`)) found++;
    expect(found).toBeGreaterThanOrEqual(n - 5);
    // Random pairs come in about as often as the parameter model expects, far below all pairs.
    expect(pairs.size).toBeLessThan(2 * (built.report.lsh!.expectedRandomPairs + n));
    expect(pairs.size).toBeLessThan((n * n) / 4);
    expect(built.report.lsh).not.toBeNull();
  });

  it('parameters meet the recall target within the band limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 2_000_000 }),
        fc.double({ min: 0.6, max: 0.95, noNaN: true }),
        (n, t) => {
          const p = chooseLshParameters({
            filterBits: 1024,
            meanPopcount: 340,
            threshold: t,
            leftCount: n,
            rightCount: n,
          });
          expect(p.bands).toBeLessThanOrEqual(64);
          expect(p.bitsPerBand).toBeGreaterThanOrEqual(4);
          if (p.expectedRecallAtThreshold < 0.99) expect(p.bands).toBe(64);
        },
      ),
    );
  });
});
