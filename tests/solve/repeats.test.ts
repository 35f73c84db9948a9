/**
 * Multi-party linkage with datasets whose records may share a person (`repeats`): a hospital's
 * episodes go under one person, datasets without repeats still hold at most one record of a
 * person, and with no dataset marked the solve is exactly the one without the option.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { type CandidateSet, multiParty, reference } from '../../src/matching/solve/index.js';
import {
  buffer,
  candidateSets,
  fractionArb,
  type MultiCase,
  multiArb,
  type Pair,
  scoreArb,
  shuffle,
  thresholdArb,
} from './arbitraries.js';

/** A multi-party case plus one repeats flag per dataset. */
interface RepeatsCase {
  m: MultiCase;
  repeats: boolean[];
}

const withRepeats = (cases: fc.Arbitrary<MultiCase>): fc.Arbitrary<RepeatsCase> =>
  cases.chain((m) =>
    fc
      .array(fc.boolean(), { minLength: m.sizes.length, maxLength: m.sizes.length })
      .map((repeats) => ({ m, repeats })),
  );

/**
 * Denser cases than multiArb: 2–4 datasets of up to 10 records, most dataset pairs compared,
 * many candidates per record, so clusters with several records of a dataset (and both ways of
 * counting links in cluster.ts) come up often.
 */
const denseMultiArb: fc.Arbitrary<MultiCase> = fc
  .array(fc.integer({ min: 1, max: 10 }), { minLength: 2, maxLength: 4 })
  .chain((sizes) => {
    const dsPairs: [number, number][] = [];
    for (let d = 0; d < sizes.length; d++) for (let e = d + 1; e < sizes.length; e++) dsPairs.push([d, e]);
    const setArb = ([d, e]: [number, number]) =>
      fc.tuple(fc.boolean(), fc.boolean()).chain(([flip, keep]) => {
        const [x, y] = flip ? [e, d] : [d, e];
        const pairs: fc.Arbitrary<Pair[]> = fc.uniqueArray(
          fc.record({
            a: fc.nat({ max: sizes[x]! - 1 }),
            b: fc.nat({ max: sizes[y]! - 1 }),
            score: scoreArb,
          }),
          { selector: (p) => `${p.a},${p.b}`, maxLength: sizes[x]! * sizes[y]!, size: 'max' },
        );
        return pairs.map((ps) => ({ keep, set: { datasetA: x, datasetB: y, pairs: ps } }));
      });
    return fc.record({
      sizes: fc.constant(sizes),
      // Each dataset pair compared unless its coin says no, the first pair always.
      sets: fc
        .tuple(...dsPairs.map(setArb))
        .map((xs) => xs.filter((x, i) => i === 0 || x.keep).map((x) => x.set)),
      threshold: thresholdArb,
      minLinkFraction: fractionArb,
      seed: fc.nat(),
    });
  });

const repeatsArb = fc.oneof(withRepeats(multiArb), withRepeats(denseMultiArb));

/** Datasets of each cluster, with how many of its records each holds. */
function datasetCounts(clusterIds: readonly Int32Array[]): Map<number, Map<number, number>> {
  const out = new Map<number, Map<number, number>>();
  clusterIds.forEach((ids, d) => {
    for (const id of ids) {
      const m = out.get(id) ?? new Map<number, number>();
      m.set(d, (m.get(d) ?? 0) + 1);
      out.set(id, m);
    }
  });
  return out;
}

const set = (datasetA: number, datasetB: number, pairs: Pair[]): CandidateSet => ({
  datasetA,
  datasetB,
  candidates: buffer(pairs),
});

describe('multiParty with repeats', () => {
  it('equals the naive clustering with repeats, statistics included', () => {
    fc.assert(
      fc.property(repeatsArb, ({ m, repeats }) => {
        const o = { threshold: m.threshold, minLinkFraction: m.minLinkFraction, repeats };
        expect(multiParty(candidateSets(m, true), m.sizes, o)).toEqual(
          reference.multiParty(candidateSets(m), m.sizes, o),
        );
      }),
      { numRuns: 600 },
    );
  });

  it('never puts two records of a dataset without repeats in a cluster', () => {
    fc.assert(
      fc.property(repeatsArb, fc.constantFrom(0.01, 0.6), ({ m, repeats }, minLinkFraction) => {
        const r = multiParty(candidateSets(m), m.sizes, { threshold: m.threshold, minLinkFraction, repeats });
        for (const counts of datasetCounts(r.clusterIds).values())
          for (const [d, n] of counts) if (!repeats[d]) expect(n).toBe(1);
        // Records − merges = clusters, whatever was refused.
        const total = m.sizes.reduce((a, b) => a + b, 0);
        expect(total - r.stats.merges).toBe(r.stats.clusters);
      }),
      { numRuns: 400 },
    );
  });

  it('with no dataset marked, is exactly the solve without the option', () => {
    fc.assert(
      fc.property(fc.oneof(multiArb, denseMultiArb), (m) => {
        const o = { threshold: m.threshold, minLinkFraction: m.minLinkFraction };
        const before = multiParty(candidateSets(m), m.sizes, o);
        const off = multiParty(candidateSets(m, true), m.sizes, { ...o, repeats: m.sizes.map(() => false) });
        expect(off).toEqual(before);
        expect(off).toEqual(reference.multiParty(candidateSets(m), m.sizes, o));
        // Byte for byte: every cluster id and every statistic.
        off.clusterIds.forEach((ids, d) => {
          expect(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength)).toEqual(
            Buffer.from(before.clusterIds[d]!.buffer, before.clusterIds[d]!.byteOffset, ids.byteLength),
          );
        });
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on the order of the sets or the candidates', () => {
    fc.assert(
      fc.property(repeatsArb, fc.nat(), ({ m, repeats }, seed) => {
        const o = { threshold: m.threshold, minLinkFraction: m.minLinkFraction, repeats };
        expect(multiParty(shuffle(candidateSets(m, true), seed), m.sizes, o)).toEqual(
          multiParty(candidateSets(m), m.sizes, o),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('puts a spine record and two hospital records of its person in one cluster', () => {
    // Dataset 0: spine S; dataset 1: hospital H1, H2 (both scoring high with S).
    const sets = [
      set(0, 1, [
        { a: 0, b: 0, score: 0.95 },
        { a: 0, b: 1, score: 0.92 },
      ]),
    ];
    const on = multiParty(sets, [1, 2], { threshold: 0.8, repeats: [false, true] });
    expect(on.clusterIds).toEqual([Int32Array.of(0), Int32Array.of(0, 0)]);
    expect(on.stats).toMatchObject({ clusters: 1, merges: 2, refusedBySameDataset: 0, largest: 3 });
    expect(on.stats.clustersWithRefusals).toBe(0);

    // Without repeats H2 is a person of its own (and would get a key of its own).
    for (const off of [
      multiParty(sets, [1, 2], { threshold: 0.8 }),
      multiParty(sets, [1, 2], { threshold: 0.8, repeats: [false, false] }),
    ]) {
      expect(off.clusterIds).toEqual([Int32Array.of(0), Int32Array.of(0, 1)]);
      expect(off.stats).toMatchObject({ clusters: 2, merges: 1, refusedBySameDataset: 1 });
      expect(off.stats.clustersWithRefusals).toBe(2);
    }

    // The same with the hospital as dataset 0 and the spine as dataset 1.
    const flipped = [
      set(1, 0, [
        { a: 0, b: 0, score: 0.95 },
        { a: 0, b: 1, score: 0.92 },
      ]),
    ];
    expect(multiParty(flipped, [2, 1], { threshold: 0.8, repeats: [true, false] }).clusterIds).toEqual([
      Int32Array.of(0, 0),
      Int32Array.of(0),
    ]);
  });

  it('still keeps two spine records apart when one hospital record matches both', () => {
    // H0 matches spine S0 and S1; the hospital repeats, the spine does not.
    const r = multiParty(
      [
        set(0, 1, [
          { a: 0, b: 0, score: 0.95 },
          { a: 1, b: 0, score: 0.9 },
        ]),
      ],
      [2, 1],
      { threshold: 0.8, repeats: [false, true] },
    );
    expect(r.clusterIds).toEqual([Int32Array.of(0, 1), Int32Array.of(0)]);
    expect(r.stats.refusedBySameDataset).toBe(1);
  });

  it('counts no pair of two records of one dataset against the link fraction', () => {
    // {S, H1} + {H2}: the only compared pair between them is S–H2, a link, so even complete
    // linkage (minLinkFraction 1) lets H2 in.
    const two = [
      set(0, 1, [
        { a: 0, b: 0, score: 0.95 },
        { a: 0, b: 1, score: 0.9 },
      ]),
    ];
    expect(
      multiParty(two, [1, 2], { threshold: 0.8, minLinkFraction: 1, repeats: [false, true] }).clusterIds,
    ).toEqual([Int32Array.of(0), Int32Array.of(0, 0)]);

    // {S, H1, R} + {H2} with R and H2 compared and not a candidate: 1 of 2 compared pairs link,
    // refused at the default 0.6 — the anti-chaining rule is unchanged.
    const three = [
      set(0, 1, [
        { a: 0, b: 0, score: 0.95 },
        { a: 0, b: 1, score: 0.85 },
      ]),
      set(0, 2, [{ a: 0, b: 0, score: 0.93 }]),
      set(1, 2, [{ a: 0, b: 0, score: 0.91 }]),
    ];
    const r = multiParty(three, [1, 2, 1], { threshold: 0.8, repeats: [false, true, false] });
    expect(r.clusterIds).toEqual([Int32Array.of(0), Int32Array.of(0, 1), Int32Array.of(0)]);
    expect([r.stats.refusedByLinkage, r.stats.refusedBySameDataset]).toEqual([1, 0]);
    // R agreeing with H2 too (2 of 2) brings H2 in.
    const agreeing = [
      ...three.slice(0, 2),
      set(1, 2, [
        { a: 0, b: 0, score: 0.91 },
        { a: 1, b: 0, score: 0.82 },
      ]),
    ];
    expect(
      multiParty(agreeing, [1, 2, 1], { threshold: 0.8, repeats: [false, true, false] }).clusterIds,
    ).toEqual([Int32Array.of(0), Int32Array.of(0, 0), Int32Array.of(0)]);
  });

  it('gathers many records of a person from a dataset with repeats', () => {
    // Twenty episodes of one person, each matching the spine record and the registry record.
    const n = 20;
    const episodes = Array.from({ length: n }, (_, h) => h);
    const sets = [
      set(
        0,
        1,
        episodes.map((h) => ({ a: 0, b: h, score: 0.9 })),
      ),
      set(0, 2, [{ a: 0, b: 0, score: 0.95 }]),
      set(
        1,
        2,
        episodes.map((h) => ({ a: h, b: 0, score: 0.88 })),
      ),
    ];
    const r = multiParty(sets, [1, n, 1], { threshold: 0.8, repeats: [false, true, false] });
    expect(r.stats.clusters).toBe(1);
    expect(r.stats.largest).toBe(n + 2);
  });

  it('checks the repeats option', () => {
    const sets = [set(0, 1, [])];
    for (const repeats of [[true], [true, false, false], [true, 1]] as unknown as boolean[][]) {
      let err: unknown;
      try {
        multiParty(sets, [1, 1], { threshold: 0.5, repeats });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CohortlinkError);
      expect((err as CohortlinkError).code).toBe('CL_USAGE');
      expect((err as CohortlinkError).issues[0]!.path).toMatch(/^repeats/);
    }
  });
});
