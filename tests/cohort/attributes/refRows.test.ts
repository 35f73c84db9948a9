import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RefRows } from '../../../src/cohort/attributes/refRows.js';

describe('RefRows', () => {
  it('numbers refs in first-added order and finds them as a Map does, through growth', () => {
    fc.assert(
      fc.property(
        // A small alphabet so refs repeat; lengths from empty to long, surrogates included.
        fc.array(fc.oneof(fc.string({ unit: fc.constantFrom('a', 'b', '😀', '\ud800') }), fc.string()), {
          maxLength: 3000,
        }),
        fc.array(fc.string(), { maxLength: 50 }),
        (refs, probes) => {
          const table = new RefRows();
          const map = new Map<string, number>();
          for (const r of refs) {
            if (!map.has(r)) map.set(r, map.size);
            expect(table.add(r)).toBe(map.get(r));
          }
          expect(table.size).toBe(map.size);
          for (const r of [...refs, ...probes]) {
            expect(table.get(r)).toBe(map.get(r));
            expect(table.has(r)).toBe(map.has(r));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('tells apart refs whose hashes are equal', () => {
    // R112789 and R349192 share their 32-bit FNV-1a hash (found by search).
    const table = new RefRows();
    expect(table.add('R112789')).toBe(0);
    expect(table.add('R349192')).toBe(1);
    expect(table.get('R349192')).toBe(1);
    expect(table.get('R112789')).toBe(0);
  });

  it('holds a hundred thousand distinct refs', () => {
    const table = new RefRows();
    for (let i = 0; i < 100_000; i++) table.add(`R${i}`);
    expect(table.size).toBe(100_000);
    expect(table.get('R0')).toBe(0);
    expect(table.get('R99999')).toBe(99_999);
    expect(table.add('R500')).toBe(500);
    expect(table.get('R100000')).toBeUndefined();
  });
});
