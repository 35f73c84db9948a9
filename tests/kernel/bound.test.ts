import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canReach, dice, referenceKernel, thresholdPlan } from '../../src/matching/kernel/index.js';
import { build, caseArb, run } from './arbitraries.js';

const threshold = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.constantFrom(0, 1, 0.8, 2 / 3, 0.5),
  // Thresholds equal to a score some pair can have, where rounding matters most.
  fc.tuple(fc.integer({ min: 1, max: 256 }), fc.nat()).map(([s, c]) => dice(c % (Math.floor(s / 2) + 1), s)),
);

describe('the popcount bound', () => {
  it('never excludes a pair the reference keeps', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const x = build(c);
        const kept = run(referenceKernel, x);
        const plan = thresholdPlan(x.threshold, x.A.bits);
        kept.a.forEach((i, n) => {
          const pa = x.A.popcounts[i]!;
          const pb = x.B.popcounts[kept.b[n]!]!;
          expect(canReach(pa, pb, x.threshold)).toBe(true);
          expect(pb).toBeGreaterThanOrEqual(plan.lo[pa]!);
          expect(pb).toBeLessThanOrEqual(plan.hi[pa]!);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('as a [lo, hi] window per popcount, is exactly "Dice(min(|a|,|b|), |a|+|b|) ≥ t"', () => {
    fc.assert(
      fc.property(fc.constantFrom(64, 128, 192), threshold, (bits, t) => {
        const plan = thresholdPlan(t, bits);
        for (let pa = 0; pa <= bits; pa++)
          for (let pb = 0; pb <= bits; pb++) {
            const inWindow = plan.lo[pa]! <= pb && pb <= plan.hi[pa]!;
            if (inWindow !== canReach(pa, pb, t)) expect({ pa, pb, t, inWindow }).toBeUndefined();
          }
      }),
      { numRuns: 60 },
    );
  });

  it('matches t/(2−t)·|a| ≤ |b| ≤ (2−t)/t·|a| up to rounding at the ends', () => {
    const plan = thresholdPlan(0.8, 1024);
    for (const pa of [10, 300, 333, 512, 1000]) {
      expect(Math.abs(plan.lo[pa]! - (0.8 / 1.2) * pa)).toBeLessThanOrEqual(1);
      expect(Math.abs(plan.hi[pa]! - Math.min(1024, (1.2 / 0.8) * pa))).toBeLessThanOrEqual(1);
    }
  });
});

describe('the integer threshold test', () => {
  it('"common ≥ need[|a|+|b|]" is exactly "Dice ≥ t"', () => {
    fc.assert(
      fc.property(fc.constantFrom(64, 128), threshold, (bits, t) => {
        const { need } = thresholdPlan(t, bits);
        for (let s = 0; s <= 2 * bits; s++)
          for (let c = 0; c <= Math.floor(s / 2); c++)
            if (c >= need[s]! !== dice(c, s) >= t) expect({ s, c, t, need: need[s] }).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });

  it('scores two empty filters as 0, kept only at threshold 0', () => {
    expect(dice(0, 0)).toBe(0);
    expect(thresholdPlan(0, 64).need[0]).toBe(0);
    expect(thresholdPlan(0.1, 64).need[0]).toBeGreaterThan(64);
  });
});
