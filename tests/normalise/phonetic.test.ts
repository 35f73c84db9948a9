import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nysiis, soundex } from '../../src/encoding/normalise/index.js';

describe('soundex', () => {
  it.each([
    ['Robert', 'R163'],
    ['Rupert', 'R163'],
    ['Rubin', 'R150'],
    ['Ashcraft', 'A261'], // H between S and C: one code
    ['Ashcroft', 'A261'],
    ['Tymczak', 'T522'], // vowel between Z and K: both coded
    ['Pfister', 'P236'], // first letter and F share a code
    ['Honeyman', 'H555'],
    ['Jackson', 'J250'],
    ['Lee', 'L000'],
    ['Gutierrez', 'G362'],
    ['Müller', 'M460'],
    ["O'Brien", 'O165'],
    ['', ''],
    ["'-1", ''],
  ])('%j → %j', (input, expected) => {
    expect(soundex(input)).toBe(expected);
  });

  it('is a letter and three digits for any input with a letter', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz -'), minLength: 1 }),
        (s) => {
          const code = soundex(s);
          expect(code).toMatch(/[a-z]/.test(s) ? /^[A-Z][0-6]{3}$/ : /^$/);
        },
      ),
    );
  });
});

describe('nysiis', () => {
  it.each([
    ['Knight', 'NAGT'], // KN → NN, GH
    ['Mitchell', 'MATCAL'],
    ['Smith', 'SNAT'],
    ['Schmidt', 'SNAD'], // SCH → SSS, DT → D
    ['Greene', 'GRAN'], // trailing A removed
    ['Lowry', 'LARY'], // W after vowel
    ['Wheeler', 'WALAR'], // H after a consonant
    ['John', 'JAN'],
    ['Jane', 'JAN'],
    ['Jay', 'JY'], // AY → Y
    ['Louisa', 'LAS'],
    ['Arnie', 'ARNY'], // IE → Y
    ['Cowan', 'CAN'],
    ['Olsen', 'OLSAN'],
    ['Nava', 'NAV'],
    ['Phillips', 'FALAP'], // PH → FF (the second F merges), trailing S removed
    ['Kelly', 'CALY'], // K → C
    ['Evans', 'EVAN'], // first letter kept as written
    ['Stevens', 'STAFAN'], // EV → AF
    ['Macdonald', 'MCDANA'], // MAC → MCC, truncated to six
    ["O'Daniel", 'ODANAL'],
    ['Müller', 'MALAR'],
    ['', ''],
    ['s', 'S'], // end rules keep the first letter
  ])('%j → %j', (input, expected) => {
    expect(nysiis(input)).toBe(expected);
  });

  it('is at most six upper-case letters, starting with the first letter of the name', () => {
    const letters = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
      minLength: 1,
      maxLength: 20,
    });
    fc.assert(
      fc.property(letters, (s) => {
        const code = nysiis(s);
        expect(code).toMatch(/^[A-Z]{1,6}$/);
      }),
    );
  });
});
