import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RefSet } from '../../src/encoding/refSet.js';

// Code units, as the encoder sends them (Array.from(s) would iterate code points and drop low surrogates).
const units = (s: string) => Uint16Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

describe('reference set', () => {
  it('agrees with Set<string> on any sequence of references, through growth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 3000 }),
        fc.array(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 2 }), { maxLength: 50 }),
        (a, b) => {
          const refs = [...a, ...b, ...a.slice(0, 20)];
          const expected = new Set<string>();
          const set = new RefSet();
          for (const r of refs) {
            // Each reference sits inside a larger array, as refs do in a chunk's code units.
            const src = units(`<${r}>`);
            const fresh = !expected.has(r);
            expected.add(r);
            expect(set.add(src, 1, src.length - 1)).toBe(fresh);
          }
          expect(set.size).toBe(expected.size);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('tells apart references that differ only in lone surrogates', () => {
    const set = new RefSet();
    expect(set.add(new Uint16Array([0xd800]), 0, 1)).toBe(true);
    expect(set.add(new Uint16Array([0xdc00]), 0, 1)).toBe(true);
    expect(set.add(new Uint16Array([0xd800]), 0, 1)).toBe(false);
    // Two astral characters sharing a high surrogate are different references.
    expect(set.add(units('\u{71400}'), 0, 2)).toBe(true);
    expect(set.add(units('\u{71401}'), 0, 2)).toBe(true);
  });

  it('holds a hundred thousand distinct references', () => {
    const set = new RefSet();
    for (let i = 0; i < 100_000; i++) {
      const u = units(`R${i}`);
      expect(set.add(u, 0, u.length)).toBe(true);
    }
    const u = units('R99999');
    expect(set.add(u, 0, u.length)).toBe(false);
    expect(set.size).toBe(100_000);
  });
});
