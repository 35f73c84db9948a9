/** The solver benchmark at a small size: it runs, and every solver sees every candidate. No timings are asserted. */
import { describe, expect, it } from 'vitest';
import { benchSolve, makeCandidates } from '../../bench/solve.js';
import { oneToOne, reference } from '../../src/matching/solve/index.js';

describe('the solver benchmark', () => {
  it('times each solver on the same candidates', () => {
    const rows = benchSolve({ candidates: 5_000, left: 400, right: 500, repeats: 1, comparatorSlice: 1_000 });
    expect(rows.map((r) => r.name)).toEqual([
      'oneToOne',
      'manyToOne',
      'orderCandidates (the sort alone)',
      'dedup',
      'JS comparator sort of an index array (baseline)',
    ]);
    expect(rows.map((r) => r.candidates)).toEqual([5_000, 5_000, 5_000, 5_000, 1_000]);
    for (const r of rows) expect(r.output).toBeGreaterThan(0);
  });

  it('makes candidates the fast and naive one-to-one agree on', () => {
    const c = makeCandidates(3_000, 200, 300, 42);
    const o = { leftCount: 200, rightCount: 300, threshold: 0.8 };
    expect(oneToOne(c, o)).toEqual(reference.oneToOne(c, o));
    const d = makeCandidates(1_000, 100, 100, 43, true);
    for (let i = 0; i < d.length; i++) expect(d.aIndex[i]!).toBeLessThan(d.bIndex[i]!);
  });
});
