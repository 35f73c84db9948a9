import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DedupResult, dedup, LINK_FRACTION_EPSILON, reference } from '../../src/matching/solve/index.js';
import { buffer, dedupArb, type Pair, scoreArb, shuffle } from './arbitraries.js';

function members(r: DedupResult): number[][] {
  const out: number[][] = [];
  r.clusterId.forEach((id, rec) => {
    out[id] = [...(out[id] ?? []), rec];
  });
  return out;
}

describe('dedup', () => {
  it('equals the naive clustering, statistics included', () => {
    fc.assert(
      fc.property(dedupArb, ({ pairs, seed, ...o }) => {
        expect(dedup(buffer(shuffle(pairs, seed)), o)).toEqual(reference.dedup(buffer(pairs), o));
      }),
      { numRuns: 600 },
    );
  });

  it('gives the same clusters for any order of the candidates', () => {
    fc.assert(
      fc.property(dedupArb, fc.nat(), ({ pairs, seed, ...o }, seed2) => {
        expect(dedup(buffer(shuffle(pairs, seed)), o)).toEqual(dedup(buffer(shuffle(pairs, seed2)), o));
      }),
    );
  });

  it('builds every cluster of s records from at least minLinkFraction × s(s−1)/2 candidate pairs', () => {
    // Each merge of X and Y brings links(X, Y) >= f·|X|·|Y|, and the |X|·|Y| of a cluster's merges sum to s(s−1)/2.
    fc.assert(
      fc.property(dedupArb, ({ pairs, ...o }) => {
        const r = dedup(buffer(pairs), o);
        const kept = pairs.filter((p) => p.score >= o.threshold);
        for (const c of members(r)) {
          const inside = kept.filter((p) => r.clusterId[p.a] === r.clusterId[p.b] && c.includes(p.a)).length;
          const s = c.length;
          expect(inside).toBeGreaterThanOrEqual(
            (o.minLinkFraction * s * (s - 1)) / 2 - s * LINK_FRACTION_EPSILON,
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with minLinkFraction 1 puts two records together only if they are a candidate pair', () => {
    fc.assert(
      fc.property(dedupArb, ({ pairs, ...o }) => {
        const r = dedup(buffer(pairs), { ...o, minLinkFraction: 1 });
        const edges = new Set(pairs.filter((p) => p.score >= o.threshold).map((p) => `${p.a},${p.b}`));
        for (const c of members(r))
          for (const x of c) for (const y of c) if (x < y) expect(edges.has(`${x},${y}`)).toBe(true);
      }),
    );
  });

  it('never chains along a path A~B~C~… when more than half the pairs must link', () => {
    const chainArb = fc.record({
      length: fc.integer({ min: 2, max: 12 }),
      scores: fc.array(scoreArb, { minLength: 11, maxLength: 11 }),
      minLinkFraction: fc.constantFrom(0.51, 0.6, 0.75, 1),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(chainArb, ({ length, scores, minLinkFraction, seed }) => {
        // Records are placed on the path in a shuffled order, so the chain does not follow the numbering.
        const at = shuffle(
          Array.from({ length }, (_, i) => i),
          seed,
        );
        const pairs: Pair[] = [];
        for (let i = 0; i + 1 < length; i++) {
          const [x, y] = [at[i]!, at[i + 1]!];
          pairs.push({ a: Math.min(x, y), b: Math.max(x, y), score: scores[i]! });
        }
        const r = dedup(buffer(pairs), { count: length, threshold: 0.5, minLinkFraction });
        // Two records two or more steps apart on the path never share a cluster.
        for (let i = 0; i < length; i++)
          for (let j = i + 2; j < length; j++) expect(r.clusterId[at[i]!]).not.toBe(r.clusterId[at[j]!]);
        expect(r.stats.largest).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('splits A~B~C (A, C dissimilar) and reports the refusal', () => {
    const c = buffer([
      { a: 0, b: 1, score: 0.95 },
      { a: 1, b: 2, score: 0.9 },
    ]);
    const r = dedup(c, { count: 4, threshold: 0.8 });
    expect([...r.clusterId]).toEqual([0, 0, 1, 2]);
    expect(r.stats).toEqual({
      clusters: 3,
      sizeCounts: Uint32Array.from([0, 2, 1]),
      largest: 2,
      singletons: 2,
      candidatesConsidered: 2,
      merges: 1,
      refusedByLinkage: 1,
      refusedBySameDataset: 0,
      clustersWithRefusals: 2,
    });
    // Single-linkage-like at a low fraction: the chain glues.
    expect([...dedup(c, { count: 4, threshold: 0.8, minLinkFraction: 0.5 }).clusterId]).toEqual([0, 0, 0, 1]);
    // A~C as a candidate too makes a triangle, which merges.
    const triangle = buffer([
      ...Array.from({ length: 2 }, (_, i) => ({ a: i, b: i + 1, score: 0.9 })),
      { a: 0, b: 2, score: 0.85 },
    ]);
    expect([...dedup(triangle, { count: 3, threshold: 0.8 }).clusterId]).toEqual([0, 0, 0]);
  });

  it('tests two clusters again once one of them has grown', () => {
    // C=0, D=1, A=2, B=3, E=4. {A,B} + {C,D} is refused (2 of 4 pairs link); E joins {A,B};
    // then {A,B,E} + {C,D} links 4 of 6 pairs and merges.
    const c = buffer([
      { a: 2, b: 3, score: 0.99 },
      { a: 0, b: 1, score: 0.98 },
      { a: 0, b: 3, score: 0.97 },
      { a: 2, b: 4, score: 0.96 },
      { a: 3, b: 4, score: 0.955 },
      { a: 0, b: 2, score: 0.94 },
      { a: 0, b: 4, score: 0.93 },
      { a: 1, b: 4, score: 0.92 },
    ]);
    const r = dedup(c, { count: 5, threshold: 0.9 });
    expect([...r.clusterId]).toEqual([0, 0, 0, 0, 0]);
    expect([r.stats.merges, r.stats.refusedByLinkage]).toEqual([4, 1]);
  });

  it('numbers clusters densely by smallest record, with consistent statistics', () => {
    fc.assert(
      fc.property(dedupArb, ({ pairs, ...o }) => {
        const { clusterId, stats } = dedup(buffer(pairs), o);
        let nextId = 0;
        for (const id of clusterId) {
          expect(id).toBeLessThanOrEqual(nextId);
          if (id === nextId) nextId++;
        }
        expect(stats.clusters).toBe(nextId);
        expect(stats.merges).toBe(o.count - stats.clusters);
        expect([...stats.sizeCounts].reduce((sum, n, s) => sum + n * s, 0)).toBe(o.count);
        expect(stats.refusedBySameDataset).toBe(0);
      }),
    );
  });

  it('refuses a pair that is not a < b, and bad options', () => {
    expect(() => dedup(buffer([{ a: 1, b: 1, score: 0.9 }]), { count: 2, threshold: 0.5 })).toThrow(
      /candidate 0 pairs record 1 with 1/,
    );
    expect(() => dedup(buffer([]), { count: 2, threshold: 0.5, minLinkFraction: 0 })).toThrow(
      /invalid dedup/,
    );
  });
});
