import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, nhsCheckDigit, normaliseNhsNumber } from '../../src/encoding/normalise/index.js';

const cases: ReadonlyArray<[string, string, string]> = [
  ['valid', '9434765919', '9434765919'],
  ['spaced 3-3-4', '943 476 5919', '9434765919'],
  ['dashed', '943-476-5919', '9434765919'],
  ['padded, en dashes', ' 943–476–5919 ', '9434765919'],
  ['another valid', '4010232137', '4010232137'],
  ['check digit 0 (remainder 0)', '1000000060', '1000000060'],
  ['wrong check digit', '9434765918', 'nhs_check_digit'],
  ['transposed digits', '9434765991', 'nhs_check_digit'],
  ['remainder 10 has no valid check digit', '0000000060', 'nhs_check_digit'],
  ['nine digits', '943476591', 'nhs_length'],
  ['eleven digits', '94347659190', 'nhs_length'],
  ['letter', '94347659I9', 'nhs_non_digit'],
  ['other punctuation', '943.476.5919', 'nhs_non_digit'],
  ['all zeros', '0000000000', 'nhs_placeholder'],
  ['all ones', '111 111 1111', 'nhs_placeholder'],
  ['all nines', '9999999999', 'nhs_placeholder'],
  ['missing marker', 'N/A', 'missing'],
  ['blank', '   ', 'missing'],
];

describe('normaliseNhsNumber', () => {
  it.each(cases)('%s: %j', (_d, input, expected) => {
    const r = normaliseNhsNumber(input);
    if (/^\d{10}$/.test(expected)) expect(r).toEqual({ kind: 'present', value: expected });
    else if (expected === 'missing') expect(r).toEqual({ kind: 'missing' });
    else expect(r).toEqual({ kind: 'invalid', reason: expected });
  });

  it('nhsCheckDigit', () => {
    expect(nhsCheckDigit('943476591')).toBe(9);
    expect(nhsCheckDigit('401023213')).toBe(7);
    expect(nhsCheckDigit('100000006')).toBe(0); // sum 22, remainder 0
    expect(nhsCheckDigit('000000006')).toBeNull(); // sum 12, remainder 1 → 10
    expect(nhsCheckDigit('94347659')).toBeNull();
    expect(nhsCheckDigit('94347659x')).toBeNull();
  });
});

// Random nine digits plus their computed check digit, skipping remainder 10 and placeholders.
const validNhs = fc
  .stringMatching(/^[0-9]{9}$/)
  .map((first9) => ({ first9, check: nhsCheckDigit(first9) }))
  .filter(({ first9, check }) => check !== null && !/^(\d)\1{8}$/.test(first9))
  .map(({ first9, check }) => `${first9}${check}`);

describe('normaliseNhsNumber properties', () => {
  it('every generated valid number is accepted and is a fixed point', () => {
    fc.assert(
      fc.property(validNhs, (n) => {
        const r = normaliseNhsNumber(n);
        expect(r).toEqual({ kind: 'present', value: n });
        expect(normaliseNhsNumber(n)).toEqual(normaliseNhsNumber(r.kind === 'present' ? r.value : ''));
        expect(isValidNhsNumber(n)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('any single-digit change is rejected by the check digit', () => {
    fc.assert(
      fc.property(
        validNhs,
        fc.integer({ min: 0, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        (n, pos, delta) => {
          const changed = (Number(n.charAt(pos)) + delta) % 10;
          const mutated = `${n.slice(0, pos)}${changed}${n.slice(pos + 1)}`;
          expect(normaliseNhsNumber(mutated)).toEqual({ kind: 'invalid', reason: 'nhs_check_digit' });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('spacing and dash variants agree', () => {
    fc.assert(
      fc.property(validNhs, fc.constantFrom(' ', '-', '  ', ' - '), (n, sep) => {
        const grouped = `${n.slice(0, 3)}${sep}${n.slice(3, 6)}${sep}${n.slice(6)}`;
        expect(normaliseNhsNumber(` ${grouped} `)).toEqual(normaliseNhsNumber(n));
      }),
    );
  });

  it('is idempotent on arbitrary digit strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9 -]{8,14}$/), (s) => {
        const r = normaliseNhsNumber(s);
        if (r.kind === 'present') expect(normaliseNhsNumber(r.value)).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
});
