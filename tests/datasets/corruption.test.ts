import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dateTypo,
  keyboardTypo,
  mistypeNhsNumber,
  nicknameFor,
  ocrError,
  phoneticVariant,
  swapDayMonth,
  type TypoOperation,
} from '../../datasets/corruption.js';
import { isValidNhsNumber, nhsCheckDigit } from '../../datasets/ids.js';
import { formalNamesFor, NICKNAMES } from '../../datasets/nicknames.js';
import { daysInMonth } from '../../datasets/population.js';
import { Rng } from '../../datasets/rng.js';

/** Optimal string alignment distance (Levenshtein plus adjacent transposition). */
function osa(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
      }
    }
  }
  return d[a.length]![b.length]!;
}

const names = fc.oneof(
  fc.constantFrom(
    'Smith',
    "O'Brien",
    'Zoë',
    'Anne-Marie',
    'Aa',
    'Ll',
    'SW1A 1AA',
    'Flat 3, 12 Park Road',
    'x',
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);

describe('keyboardTypo', () => {
  it('makes exactly one edit to any non-empty string, for every operation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        names,
        fc.constantFrom<TypoOperation | undefined>('substitute', 'insert', 'delete', 'transpose', undefined),
        (seed, s, op) => {
          const out = keyboardTypo(new Rng(seed, 0), s, op);
          expect(osa(s, out)).toBe(1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('substitutes QWERTY neighbours and keeps case', () => {
    const rng = new Rng(1, 0);
    for (let i = 0; i < 200; i++) {
      const out = keyboardTypo(rng, 'S', 'substitute');
      expect('AWEDXZ').toContain(out);
    }
  });

  it('leaves the empty string alone', () => {
    expect(keyboardTypo(new Rng(1, 0), '')).toBe('');
  });
});

describe('ocrError and phoneticVariant', () => {
  it('apply one known confusion', () => {
    const rng = new Rng(3, 0);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(ocrError(rng, 'SO1')!);
    expect(seen).toEqual(new Set(['5O1', 'S01', 'SOl', 'SOI']));
    expect(ocrError(rng, 'qqq')).toBeNull();
  });

  it('respell names the way people do', () => {
    const rng = new Rng(4, 0);
    const variants = (s: string) => {
      const out = new Set<string>();
      for (let i = 0; i < 300; i++) out.add(phoneticVariant(rng, s)!);
      return out;
    };
    expect(variants('McDonald')).toContain('MacDonald');
    expect(variants('Stephen')).toContain('Stefen');
    expect(variants('Katie')).toContain('Katy');
    expect(variants('Clarke')).toContain('Clark');
    expect(variants('Carl')).toContain('Karl');
    expect(phoneticVariant(rng, 'Bo')).toBeNull();
    for (const s of ['Smith', 'Thompson', 'Phillips', 'Mackenzie', "O'Brien"]) {
      for (const v of variants(s)) if (v !== null) expect(v).not.toBe(s);
    }
  });
});

describe('nicknames', () => {
  it('round-trips through the reverse table', () => {
    let pairs = 0;
    for (const [formal, nicks] of Object.entries(NICKNAMES)) {
      expect(nicks.length).toBeGreaterThan(0);
      for (const n of nicks) {
        expect(formalNamesFor(n)).toContain(formal);
        pairs++;
      }
    }
    expect(Object.keys(NICKNAMES).length).toBeGreaterThanOrEqual(60);
    expect(pairs).toBeGreaterThan(120);
    expect(formalNamesFor('Sam')).toEqual(expect.arrayContaining(['Samuel', 'Samantha']));
  });

  it('gives a nickname only for names in the table', () => {
    const rng = new Rng(5, 0);
    expect(NICKNAMES.Robert).toContain(nicknameFor(rng, 'Robert'));
    expect(nicknameFor(rng, 'Zoë')).toBeNull();
  });
});

describe('date corruptions', () => {
  it('swaps day and month only when the day is 12 or less and differs from the month', () => {
    expect(swapDayMonth({ y: 1980, m: 3, d: 12 })).toEqual({ y: 1980, m: 12, d: 3 });
    expect(swapDayMonth({ y: 1980, m: 3, d: 13 })).toBeNull();
    expect(swapDayMonth({ y: 1980, m: 3, d: 3 })).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }), (m, d) => {
        const r = swapDayMonth({ y: 2000, m, d: Math.min(d, daysInMonth(2000, m)) });
        if (r !== null) expect(r.d <= 12 && r.m <= 12).toBe(true);
      }),
    );
  });

  it('moves a date by one day or one year and keeps it real', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1925, max: 2024 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (seed, y, m, d0) => {
          const date = { y, m, d: Math.min(d0, daysInMonth(y, m)) };
          const t = dateTypo(new Rng(seed, 0), date);
          expect(t).not.toEqual(date);
          expect(t.d).toBeGreaterThanOrEqual(1);
          expect(t.d).toBeLessThanOrEqual(daysInMonth(t.y, t.m));
          expect(t.y).toBeLessThan(2025);
          const days = Math.abs(Date.UTC(t.y, t.m - 1, t.d) - Date.UTC(y, m - 1, date.d)) / 86_400_000;
          expect(t.y === y ? days === 1 : Math.abs(t.y - y) === 1).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('NHS numbers', () => {
  it('computes the modulus 11 check digit', () => {
    expect(nhsCheckDigit('943476591')).toBe(9);
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(nhsCheckDigit('000000001')).toBe(9); // sum 2 → 11 − 2
    expect(nhsCheckDigit('000000000')).toBe(0); // 11 → 0
    expect(nhsCheckDigit('000000006')).toBeNull(); // sum 12 ≡ 1 → 10: never issued
    expect(nhsCheckDigit('94347659')).toBeNull();
  });

  it('mistyping changes the number and usually breaks the check digit', () => {
    const rng = new Rng(6, 0);
    let invalid = 0;
    for (let i = 0; i < 2000; i++) {
      const out = mistypeNhsNumber(rng, '9434765919');
      expect(out).toMatch(/^\d{10}$/);
      expect(out).not.toBe('9434765919');
      if (!isValidNhsNumber(out)) invalid++;
    }
    expect(invalid / 2000).toBeGreaterThan(0.8);
    expect(invalid / 2000).toBeLessThan(0.97);
  });
});
