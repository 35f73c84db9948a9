import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDisclosureKey,
  DEFAULT_POLICY,
  type DisclosurePolicy,
  parsePolicy,
  publishCount,
  publishFeasibility,
} from '../../../src/cohort/disclosure/index.js';
import { candidateSizes } from './attacker.js';
import { type Population, populationArb, REGIONS, rawCounts, regionTotal } from './population.js';

const key = createDisclosureKey('differencing-test-secret-0123456789');
// Fixed seed: a failure reproduces; the properties are meant to hold for every population.
const RUNS = { numRuns: 300, seed: 20251125 };

/** Query A: everyone eligible. Query B: the same criteria minus region 0 (which holds 1–7). */
function regionAttack(pop: Population, policy?: DisclosurePolicy) {
  const a = publishFeasibility(
    rawCounts(pop, () => true),
    { key, policy },
  );
  const b = publishFeasibility(
    rawCounts(pop, (g) => g !== 0),
    { key, policy },
  );
  return { a, b, candidates: candidateSizes(a, b, 20, REGIONS[0]) };
}

describe('differencing a query and the same query minus one region', () => {
  it('leaves at least two values of the suppressed region count consistent with both results', () => {
    fc.assert(
      fc.property(populationArb, (pop) => {
        const { a, candidates } = regionAttack(pop);
        expect(a.byRegion[REGIONS[0]]!.suppressed).toBe(true);
        // The attacker model is sound: the truth is always among its candidates...
        expect(candidates).toContain(regionTotal(pop, 0));
        // ...and never alone.
        expect(candidates.length).toBeGreaterThanOrEqual(2);
      }),
      RUNS,
    );
  });

  it('also holds with zeros published (the non-default option)', () => {
    const zeroPublished = parsePolicy({ zero: 'publish' });
    fc.assert(
      fc.property(populationArb, (pop) => {
        const { candidates } = regionAttack(pop, zeroPublished);
        expect(candidates).toContain(regionTotal(pop, 0));
        expect(candidates.length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  /**
   * The guarantee is exact for one pair of numbers, not for several breakdowns combined: here 6
   * of the region's 7 people share an age band whose two counts both rounded to the far end of
   * their band (a 1-in-100 pair of coins), and the 7th sits in a band with nobody else, shown as
   * 0 without the region and "<8" with it. The band differences then prove at least 7, and
   * suppression at most 7. It needs zeros published (the non-default option); kept as a test so
   * the residual risk stated in the document stays true.
   */
  it('known limit: with zeros published, a constructed population where combined breakdowns pin the count', () => {
    const zeroPublished = parsePolicy({ zero: 'publish' });
    let pinned: number[] | undefined;
    for (let b = 14; b < 5000 && pinned === undefined; b += 5) {
      const before = publishCount(b, 'byAgeBand:18-39', DEFAULT_POLICY, key).value;
      const after = publishCount(b + 6, 'byAgeBand:18-39', DEFAULT_POLICY, key).value;
      if (before !== b - 4 || after !== b + 11) continue;
      const pop = REGIONS.map(() => [0, 1, 2, 3, 4].map(() => [0, 0]));
      pop[0]![0]![0] = 6;
      pop[0]![1]![0] = 1;
      pop[1]![0]![0] = b;
      for (const band of [2, 3, 4]) pop[2]![band]![1] = 20;
      pinned = regionAttack(pop, zeroPublished).candidates;
      // Suppressing zeros (the default) removes the second clue, and with it the pin.
      expect(regionAttack(pop).candidates.length).toBeGreaterThanOrEqual(2);
    }
    expect(pinned).toEqual([7]);
  });

  it('is a test that can fail: the same attacker pins the count under plain nearest rounding', () => {
    const nearest = parsePolicy({ rounding: 'nearest' });
    const found = fc.check(
      fc.property(populationArb, (pop) => regionAttack(pop, nearest).candidates.length >= 2),
      { numRuns: 500, seed: 1 },
    );
    expect(found.failed).toBe(true);
  });
});

describe('differencing a query and the same query minus one person', () => {
  it('leaves the size of the difference uncertain', () => {
    fc.assert(
      fc.property(
        populationArb,
        fc.nat({ max: REGIONS.length - 1 }),
        fc.nat({ max: 4 }),
        fc.nat({ max: 1 }),
        (pop, g, b, s) => {
          fc.pre(pop[g]![b]![s]! > 0);
          const minusOne = pop.map((bands) => bands.map((sexes) => [...sexes]));
          minusOne[g]![b]![s]! -= 1;
          const a = publishFeasibility(
            rawCounts(pop, () => true),
            { key },
          );
          const a2 = publishFeasibility(
            rawCounts(minusOne, () => true),
            { key },
          );
          const candidates = candidateSizes(a, a2, 12);
          expect(candidates).toContain(1);
          expect(candidates.length).toBeGreaterThanOrEqual(2);
        },
      ),
      RUNS,
    );
  });
});

describe('repeating a query', () => {
  it('gives identical output, so repeats carry no new draws', () => {
    fc.assert(
      fc.property(populationArb, (pop) => {
        const raw = rawCounts(pop, () => true);
        expect(publishFeasibility(raw, { key })).toEqual(publishFeasibility(structuredClone(raw), { key }));
        // A fresh key object from the same secret (a restarted service) answers the same.
        const again = createDisclosureKey('differencing-test-secret-0123456789');
        expect(publishFeasibility(raw, { key: again })).toEqual(publishFeasibility(raw, { key }));
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it('gives the same cell the same number whatever else the query counted', () => {
    fc.assert(
      fc.property(populationArb, (pop) => {
        const all = publishFeasibility(
          rawCounts(pop, () => true),
          { key },
        );
        const minusRegion = publishFeasibility(
          rawCounts(pop, (g) => g !== 0),
          { key },
        );
        for (const r of REGIONS.slice(1)) expect(minusRegion.byRegion[r]).toEqual(all.byRegion[r]);
      }),
      { numRuns: 100, seed: 8 },
    );
  });
});
