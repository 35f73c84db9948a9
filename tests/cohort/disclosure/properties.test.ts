import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createDisclosureKey,
  DEFAULT_POLICY,
  publishCount,
  publishFeasibility,
} from '../../../src/cohort/disclosure/index.js';
import { inferInterval } from './attacker.js';

const key = createDisclosureKey('property-test-secret-0123456789ab');
const count = fc.nat({ max: 100_000 });
const breakdown = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.nat({ max: 50 }), {
  maxKeys: 6,
});

describe('every published number under the default policy', () => {
  it('is never 1–7 and is a multiple of 5 unless suppressed', () => {
    fc.assert(
      fc.property(count, fc.string(), (n, cellId) => {
        const c = publishCount(n, cellId, DEFAULT_POLICY, key);
        expect(c.suppressed).toBe(c.value === null);
        if (c.value !== null) {
          expect(c.value >= 1 && c.value <= 7).toBe(false);
          expect(c.value % 5).toBe(0);
          expect(c.display).toBe(String(c.value));
        } else {
          expect(c.display).toBe('<8');
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('stays within the documented rule (what the attacker model assumes)', () => {
    fc.assert(
      fc.property(count, fc.string(), (n, cellId) => {
        // Zero is suppressed by default, so "<8" means 0–7.
        const [lo, hi] = inferInterval(publishCount(n, cellId, DEFAULT_POLICY, key), 'keyed', true);
        expect(n).toBeGreaterThanOrEqual(lo);
        expect(n).toBeLessThanOrEqual(hi);
      }),
      { numRuns: 5000 },
    );
  });

  it('holds for whole results, every cell flagged where suppressed', () => {
    fc.assert(
      fc.property(
        breakdown,
        breakdown,
        breakdown,
        fc.nat({ max: 20 }),
        fc.nat({ max: 20 }),
        (r, a, s, d, o) => {
          const total = Math.max(...[r, a, s].map((m) => Object.values(m).reduce((x, y) => x + y, 0)));
          const out = publishFeasibility(
            {
              total,
              byRegion: r,
              byAgeBand: a,
              bySex: s,
              excluded: { deceased: d, optedOut: o },
              linkageRange: { low: Math.max(0, total - 3), high: total + 4 },
            },
            { key },
          );
          const cells = [
            ['total', out.total],
            ['excluded.deceased', out.excluded.deceased],
            ['excluded.optedOut', out.excluded.optedOut],
            ...(['byRegion', 'byAgeBand', 'bySex'] as const).flatMap((dim) =>
              Object.entries(out[dim]).map(([k, c]) => [`${dim}.${k}`, c] as const),
            ),
          ] as const;
          for (const [path, c] of cells) {
            if (c.value !== null) expect(c.value === 0 || (c.value >= 10 && c.value % 5 === 0)).toBe(true);
            expect(out.suppressedCells.includes(path)).toBe(c.suppressed);
          }
          for (const c of [out.linkageRange.low, out.linkageRange.high])
            if (c.value !== null) expect(c.value === 0 || (c.value >= 10 && c.value % 5 === 0)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
