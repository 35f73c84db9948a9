import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clustersFromManyToOne } from '../../src/matching/link/clusters.js';
import { pairConflicts } from '../../src/matching/link/pairConflicts.js';
import { manyToOne } from '../../src/matching/solve/index.js';
import { bipartiteArb, buffer, type Pair } from '../solve/arbitraries.js';

/** Record by record: its candidates ≥ t, its best, rivals within the margin, and whether its person spans both datasets. */
function naiveSide(
  pairs: readonly Pair[],
  count: number,
  side: 'a' | 'b',
  t: number,
  margin: number,
  linked: (r: number) => boolean,
) {
  let withCandidates = 0;
  let conflicted = 0;
  let conflictedLinked = 0;
  for (let r = 0; r < count; r++) {
    const scores = pairs.filter((p) => p[side] === r && p.score >= t).map((p) => p.score);
    if (scores.length === 0) continue;
    withCandidates++;
    const best = Math.max(...scores);
    if (scores.filter((s) => s >= best - margin).length > 1) {
      conflicted++;
      if (linked(r)) conflictedLinked++;
    }
  }
  return { recordsWithCandidates: withCandidates, conflicted, linked: conflictedLinked };
}

describe('pairConflicts', () => {
  it('equals a record-by-record count on both sides, with "linked" from the clusters', () => {
    fc.assert(
      fc.property(
        bipartiteArb,
        fc.constantFrom(0, 0.02, 0.1),
        ({ pairs, leftCount, rightCount, threshold }, margin) => {
          const c = buffer(pairs);
          const links = manyToOne(c, { leftCount, rightCount, threshold });
          const { clusterOf, clusterCount } = clustersFromManyToOne(links, leftCount, rightCount);
          const [lc, rc] = clusterOf as [Int32Array, Int32Array];
          const got = pairConflicts({
            candidates: c,
            leftCluster: lc,
            rightCluster: rc,
            clusterCount,
            threshold,
            margin,
          });
          const leftLinked = (r: number) => links.left.subarray(0, links.length).includes(r);
          const rightLinked = (r: number) => links.right.subarray(0, links.length).includes(r);
          expect(got).toEqual({
            margin,
            threshold,
            left: naiveSide(pairs, leftCount, 'a', threshold, margin, leftLinked),
            right: naiveSide(pairs, rightCount, 'b', threshold, margin, rightLinked),
          });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('uses the solvers’ default margin (0.02) and ignores candidates under the threshold', () => {
    const c = buffer([
      { a: 0, b: 0, score: 0.9 },
      { a: 0, b: 1, score: 0.885 },
      // Close, but both under the threshold: not a choice the run made.
      { a: 1, b: 2, score: 0.61 },
      { a: 1, b: 3, score: 0.6 },
    ]);
    const none = new Int32Array([0, 1]);
    const r = pairConflicts({
      candidates: c,
      leftCluster: none,
      rightCluster: new Int32Array([2, 3, 4, 5]),
      clusterCount: 6,
      threshold: 0.8,
    });
    expect(r.margin).toBe(0.02);
    expect(r.left).toEqual({ recordsWithCandidates: 1, conflicted: 1, linked: 0 });
    expect(r.right).toEqual({ recordsWithCandidates: 2, conflicted: 0, linked: 0 });
  });
});
