import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conflicts, reference } from '../../src/matching/solve/index.js';
import { bipartiteArb, buffer, shuffle } from './arbitraries.js';

describe('conflicts', () => {
  it('equals the naive count for either side and any margin', () => {
    fc.assert(
      fc.property(
        bipartiteArb,
        fc.constantFrom('left', 'right') as fc.Arbitrary<'left' | 'right'>,
        fc.constantFrom(0, 0.02, 0.1, 0.3),
        ({ pairs, seed, leftCount, rightCount, threshold }, side, margin) => {
          const o = { count: side === 'left' ? leftCount : rightCount, threshold, margin, side };
          expect(conflicts(buffer(shuffle(pairs, seed)), o)).toEqual(reference.conflicts(buffer(pairs), o));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('counts rivals within the margin of the best (ties included), not the best itself', () => {
    const c = buffer([
      { a: 0, b: 0, score: 0.9 },
      { a: 0, b: 1, score: 0.89 },
      { a: 0, b: 2, score: 0.85 },
      { a: 1, b: 0, score: 0.8 },
      { a: 2, b: 0, score: 0.95 },
      { a: 2, b: 1, score: 0.95 },
      { a: 3, b: 2, score: 0.7 },
    ]);
    const r = conflicts(c, { count: 5, threshold: 0.75 });
    expect([...r.closeRivals]).toEqual([1, 0, 1, 0, 0]);
    expect([...r.records]).toEqual([0, 2]);
    expect(r.recordsWithCandidates).toBe(3);
    expect([...conflicts(c, { count: 5, threshold: 0.75, margin: 0.05 }).closeRivals]).toEqual([
      2, 0, 1, 0, 0,
    ]);
  });

  it('refuses a bad margin or side', () => {
    expect(() => conflicts(buffer([]), { count: 1, threshold: 0.5, margin: -1 })).toThrow(
      /invalid conflicts/,
    );
    expect(() => conflicts(buffer([]), { count: 1, threshold: 0.5, side: 'up' as 'left' })).toThrow(
      /invalid/,
    );
  });
});
