import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  foldText,
  INVALID_REASONS,
  type Normalised,
  normaliseDate,
  normaliseName,
  normaliseNhsNumber,
  normalisePostcode,
  normaliseSex,
  normaliseText,
  nysiis,
  soundex,
} from '../../src/encoding/normalise/index.js';

const normalisers: ReadonlyArray<[string, (s: string) => Normalised<unknown>]> = [
  ['normaliseText', normaliseText],
  ['normaliseName', (s) => normaliseName(s)],
  ['normaliseName given', (s) => normaliseName(s, { role: 'given' })],
  ['normaliseDate', (s) => normaliseDate(s)],
  [
    'normaliseDate all formats',
    (s) => normaliseDate(s, { formats: ['mdy', 'dmy-compact', 'iso', 'dmy', 'ymd-compact'] }),
  ],
  ['normalisePostcode', normalisePostcode],
  ['normaliseNhsNumber', normaliseNhsNumber],
  ['normaliseSex', (s) => normaliseSex(s)],
];

const KNOWN_REASONS: ReadonlySet<string> = new Set(INVALID_REASONS);

// Lone surrogates, controls, combining marks without a base, and very long input.
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({
    unit: fc.constantFrom('\ud800', '\udfff', '\u0301', '\u0000', '\u200d', '\ufeff', 'İ', 'ß', '\n'),
  }),
  fc.constantFrom('x'.repeat(100_000), `${'1'.repeat(5000)}/01/1970`),
);

describe('no normaliser throws, and every result is well-formed', () => {
  it.each(normalisers)('%s', (_name, normalise) => {
    fc.assert(
      fc.property(hostile, (s) => {
        const r = normalise(s);
        if (r.kind === 'invalid') expect(KNOWN_REASONS.has(r.reason)).toBe(true);
        else expect(['present', 'missing']).toContain(r.kind);
      }),
      { numRuns: 500 },
    );
  });

  it('foldText and the phonetic codes accept anything', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect(typeof foldText(s)).toBe('string');
        expect(soundex(s)).toMatch(/^(?:[A-Z][0-6]{3})?$/);
        expect(nysiis(s)).toMatch(/^[A-Z]{0,6}$/);
      }),
      { numRuns: 500 },
    );
  });
});
