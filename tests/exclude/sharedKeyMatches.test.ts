/**
 * Key agreement for exclusion matching (src/matching/exclude/sharedKeyMatches.ts) against a
 * brute-force reference over every pair: a target record is matched exactly when some source
 * record shares the identifier key, or shares ≥ minSharedKeys keys at Dice ≥ floor, or one key
 * at Dice ≥ oneKeyDice; the partner it names satisfies the rule.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SharedKeyRule, sharedKeyMatches } from '../../src/matching/exclude/sharedKeyMatches.js';
import type { EncodedDataset } from '../../src/matching/input/readEncodings.js';
import { dataset } from '../blocking/helpers.js';

const KEYS = ['nhs', 'a', 'b', 'c'] as const;
const RULE: SharedKeyRule = { identifierKeys: ['nhs'], minSharedKeys: 2, floor: 0.5, oneKeyDice: 0.6 };

function dice(x: Uint8Array, y: Uint8Array): number {
  let c = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    for (let b = 0; b < 8; b++) {
      c += (x[i]! >> b) & (y[i]! >> b) & 1;
      n += ((x[i]! >> b) & 1) + ((y[i]! >> b) & 1);
    }
  }
  return n === 0 ? 0 : (2 * c) / n;
}

/** Which rule-satisfying pairs exist, by brute force over the plain key strings. */
function pairOk(
  keys: Record<string, (string | null)[]>,
  skeys: Record<string, (string | null)[]>,
  t: number,
  s: number,
  d: number,
): boolean {
  const shared = KEYS.filter((k) => keys[k]![t] !== null && keys[k]![t] === skeys[k]![s]);
  if (shared.includes('nhs')) return true;
  return shared.length >= RULE.minSharedKeys ? d >= RULE.floor : shared.length === 1 && d >= RULE.oneKeyDice;
}

const side = (n: number) =>
  fc.record({
    // Bytes from a few patterns, so high Dice is common.
    filters: fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: n, maxLength: n }),
    keys: fc.record(
      Object.fromEntries(
        KEYS.map((k) => [
          k,
          fc.array(fc.option(fc.constantFrom('x', 'y', 'z'), { nil: null }), { minLength: n, maxLength: n }),
        ]),
      ) as Record<(typeof KEYS)[number], fc.Arbitrary<(string | null)[]>>,
    ),
  });

describe('sharedKeyMatches', () => {
  it('agrees with the brute-force rule on every target record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => side(n)),
        fc.integer({ min: 1, max: 12 }).chain((n) => side(n)),
        (t, s) => {
          const T: EncodedDataset = dataset('t', t.filters, t.keys);
          const S: EncodedDataset = dataset('s', s.filters, s.keys);
          const got = sharedKeyMatches(T, S, RULE);
          for (let i = 0; i < t.filters.length; i++) {
            const any = s.filters.some((f, j) => pairOk(t.keys, s.keys, i, j, dice(t.filters[i]!, f)));
            expect(got[i]! >= 0, `record ${i}`).toBe(any);
            if (got[i]! >= 0) {
              const j = got[i]!;
              expect(pairOk(t.keys, s.keys, i, j, dice(t.filters[i]!, s.filters[j]!))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches nothing across datasets that share no key names', () => {
    const f = [Uint8Array.from([255, 255, 255, 255, 255, 255, 255, 255])];
    const got = sharedKeyMatches(dataset('t', f, { a: ['x'] }), dataset('s', f, { b: ['x'] }), RULE);
    expect([...got]).toEqual([-1]);
  });
});
