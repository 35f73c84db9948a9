import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { type CandidateSet, multiParty, oneToOne, reference } from '../../src/matching/solve/index.js';
import { bipartiteArb, buffer, candidateSets, multiArb, pairsOf, shuffle } from './arbitraries.js';

function caught(f: () => unknown): CohortlinkError {
  try {
    f();
  } catch (e) {
    if (e instanceof CohortlinkError) return e;
    throw e;
  }
  throw new Error('expected a CohortlinkError');
}

describe('multiParty', () => {
  it('equals the naive clustering, statistics included', () => {
    fc.assert(
      fc.property(multiArb, (m) => {
        const o = { threshold: m.threshold, minLinkFraction: m.minLinkFraction };
        expect(multiParty(candidateSets(m, true), m.sizes, o)).toEqual(
          reference.multiParty(candidateSets(m), m.sizes, o),
        );
      }),
      { numRuns: 600 },
    );
  });

  it('never puts two records of one dataset in a cluster', () => {
    fc.assert(
      fc.property(multiArb, (m) => {
        const r = multiParty(candidateSets(m), m.sizes, { threshold: m.threshold, minLinkFraction: 0.01 });
        for (const ids of r.clusterIds) expect(new Set(ids).size).toBe(ids.length);
      }),
    );
  });

  it('does not depend on the order of the sets, their orientation or the candidates’ order', () => {
    fc.assert(
      fc.property(multiArb, fc.nat(), (m, seed) => {
        const o = { threshold: m.threshold, minLinkFraction: m.minLinkFraction };
        const flipped: CandidateSet[] = shuffle(candidateSets(m, true), seed).map((s, i) =>
          (seed >> i) & 1
            ? {
                datasetA: s.datasetB,
                datasetB: s.datasetA,
                candidates: buffer(pairsOf(s.candidates).map((p) => ({ a: p.b, b: p.a, score: p.score }))),
              }
            : s,
        );
        expect(multiParty(flipped, m.sizes, o)).toEqual(multiParty(candidateSets(m), m.sizes, o));
      }),
    );
  });

  it('with two datasets, makes exactly the greedy one-to-one links', () => {
    fc.assert(
      fc.property(bipartiteArb, ({ pairs, leftCount, rightCount, threshold }) => {
        const r = multiParty(
          [{ datasetA: 0, datasetB: 1, candidates: buffer(pairs) }],
          [leftCount, rightCount],
          {
            threshold,
          },
        );
        const links = oneToOne(buffer(pairs), { leftCount, rightCount, threshold });
        const [left, right] = r.clusterIds as [Int32Array, Int32Array];
        const together: number[][] = [];
        left.forEach((id, a) => {
          const b = right.indexOf(id);
          if (b >= 0) together.push([a, b]);
        });
        expect(together).toEqual(Array.from(links.left, (a, k) => [a, links.right[k]]));
      }),
      { numRuns: 300 },
    );
  });

  it('counts only pairs of compared datasets against the link fraction', () => {
    const sets = (withAC: boolean): CandidateSet[] => [
      { datasetA: 0, datasetB: 1, candidates: buffer([{ a: 0, b: 0, score: 0.95 }]) },
      { datasetA: 1, datasetB: 2, candidates: buffer([{ a: 0, b: 0, score: 0.9 }]) },
      ...(withAC ? [{ datasetA: 2, datasetB: 0, candidates: buffer([]) }] : []),
    ];
    // A and C never compared: {a, b} + {c} has one comparable pair, and it links.
    expect(multiParty(sets(false), [1, 1, 1], { threshold: 0.8 }).clusterIds).toEqual([
      Int32Array.of(0),
      Int32Array.of(0),
      Int32Array.of(0),
    ]);
    // A and C compared and not a candidate: 1 of 2 pairs link, refused at the default 0.6.
    const r = multiParty(sets(true), [1, 1, 1], { threshold: 0.8 });
    expect(r.clusterIds).toEqual([Int32Array.of(0), Int32Array.of(0), Int32Array.of(1)]);
    expect([r.stats.refusedByLinkage, r.stats.clustersWithRefusals]).toEqual([1, 2]);
  });

  it('keeps a second record of a dataset out and counts the refusal', () => {
    const twice = multiParty(
      [
        {
          datasetA: 0,
          datasetB: 1,
          candidates: buffer([
            { a: 0, b: 0, score: 0.9 },
            { a: 1, b: 0, score: 0.85 },
          ]),
        },
      ],
      [2, 1],
      { threshold: 0.5 },
    );
    expect(twice.clusterIds).toEqual([Int32Array.of(0, 1), Int32Array.of(0)]);
    expect(twice.stats.refusedBySameDataset).toBe(1);
  });

  it('reports every bad set and size together', () => {
    const empty = buffer([]);
    const err = caught(() =>
      multiParty(
        [
          { datasetA: 0, datasetB: 0, candidates: empty },
          { datasetA: 0, datasetB: 1, candidates: empty },
          { datasetA: 1, datasetB: 0, candidates: empty },
          { datasetA: 0, datasetB: 3, candidates: empty },
        ],
        [1, 2, -1],
        { threshold: 0.5 },
      ),
    );
    expect(err.code).toBe('CL_USAGE');
    expect(err.issues.map((i) => i.path)).toEqual([
      'sizes[2]',
      'sets[0].datasetB',
      'sets[2]',
      'sets[3].datasetB',
    ]);
    expect(() => multiParty([], [], { threshold: 0.5 })).toThrow(/invalid multiParty/);
  });

  it('names the set and candidate of a record outside its dataset', () => {
    const err = caught(() =>
      multiParty([{ datasetA: 1, datasetB: 0, candidates: buffer([{ a: 0, b: 3, score: 0.1 }]) }], [3, 1], {
        threshold: 0.5,
      }),
    );
    expect(err.code).toBe('CL_INTERNAL');
    expect(err.message).toMatch(/candidate 0 of set 0 pairs records 0 and 3/);
  });
});
