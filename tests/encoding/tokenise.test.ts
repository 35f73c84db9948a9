import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactTokeniser, numericTokeniser, qgramTokeniser } from '../../src/encoding/tokenise.js';

describe('tokenisers', () => {
  it('padded q-grams: len + q - 1 grams, each of q code points', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
        fc.integer({ min: 2, max: 4 }),
        (s, q) => {
          const cps = Array.from(s).length;
          const grams = qgramTokeniser(q, false)(s);
          expect(grams.length).toBe(cps + q - 1);
          for (const g of grams) expect(Array.from(g).length).toBe(q);
        },
      ),
    );
  });

  it('positional unigrams are 1-based "i c" and all distinct', () => {
    expect(qgramTokeniser(1, true)('1970')).toEqual(['1 1', '2 9', '3 7', '4 0']);
    expect(qgramTokeniser(2, true)('ab')).toEqual(['1  a', '2 ab', '3 b ']);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (s) => {
        const t = qgramTokeniser(1, true)(s);
        expect(new Set(t).size).toBe(t.length);
      }),
    );
  });

  it('empty values give no tokens', () => {
    expect(qgramTokeniser(2, false)('')).toEqual([]);
    expect(exactTokeniser('')).toEqual([]);
    expect(numericTokeniser(2, 2)('')).toEqual([]);
  });

  it('numeric neighbourhoods: 2r+1 tokens; values within the threshold share tokens, far ones do not', () => {
    const tok = numericTokeniser(5, 2);
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2030 }), fc.integer({ min: 0, max: 40 }), (a, d) => {
        const ta = tok(String(a));
        const tb = tok(String(a + d));
        expect(ta.length).toBe(5);
        const shared = ta.filter((t) => tb.includes(t)).length;
        if (d <= 3) expect(shared).toBeGreaterThan(0);
        if (d >= 8) expect(shared).toBe(0);
      }),
    );
  });
});
