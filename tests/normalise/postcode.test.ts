import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isValidPostcode, normalisePostcode } from '../../src/encoding/normalise/index.js';

const valid: ReadonlyArray<[string, string, string, string]> = [
  // input, full, area, sector
  ['EC1A 1BB', 'EC1A 1BB', 'EC', 'EC1A 1'],
  ['W1A 0AX', 'W1A 0AX', 'W', 'W1A 0'],
  ['M1 1AE', 'M1 1AE', 'M', 'M1 1'],
  ['B33 8TH', 'B33 8TH', 'B', 'B33 8'],
  ['CR2 6XH', 'CR2 6XH', 'CR', 'CR2 6'],
  ['DN55 1PT', 'DN55 1PT', 'DN', 'DN55 1'],
  ['sw1a1aa', 'SW1A 1AA', 'SW', 'SW1A 1'],
  [' SW1A  1AA ', 'SW1A 1AA', 'SW', 'SW1A 1'],
  ['ls1\t4ap', 'LS1 4AP', 'LS', 'LS1 4'],
  ['gir 0aa', 'GIR 0AA', 'GIR', 'GIR 0'],
  // Structurally valid although no real postcode starts with X: non-geographic codes exist.
  ['XM4 5HQ', 'XM4 5HQ', 'XM', 'XM4 5'],
];

const invalid: ReadonlyArray<[string, string]> = [
  ['inward letter C is never used', 'SW1A 1CA'],
  ['inward letter V is never used', 'M1 1AV'],
  ['inward starts with a letter', 'M1 AAA'],
  ['digit first', '1M 1AA'],
  ['three outward letters', 'ABC1 1AA'],
  ['three outward digits', 'B333 1AA'],
  ['letter after two digits', 'B33A 1AA'],
  ['outward only', 'SW1A'],
  ['too long', 'SW1A 1AAA'],
  ['punctuation', 'SW1A-1AA'],
  ['dotless i upper-cases to I', 'ıG1 1AA'],
  ['full-width characters', 'ＳＷ１Ａ １ＡＡ'],
  ['overseas territory format', 'ASCN 1ZZ'],
];

describe('normalisePostcode', () => {
  it.each(valid)('accepts %j', (input, full, area, sector) => {
    const [outward, inward] = full.split(' ');
    expect(normalisePostcode(input)).toEqual({
      kind: 'present',
      value: { full, outward, inward, area, district: outward, sector },
    });
    expect(isValidPostcode(input)).toBe(true);
  });

  it.each(invalid)('rejects %s: %j', (_d, input) => {
    expect(normalisePostcode(input)).toEqual({ kind: 'invalid', reason: 'postcode_format' });
    expect(isValidPostcode(input)).toBe(false);
  });

  it.each(['', '  ', 'N/A', 'unknown'])('treats %j as missing', (input) => {
    expect(normalisePostcode(input)).toEqual({ kind: 'missing' });
  });
});

const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
const digit = fc.constantFrom(...'0123456789');
const inwardLetter = fc.constantFrom(...'ABDEFGHJLNPQRSTUWXYZ');
const outward = fc.oneof(
  fc.tuple(upper, digit).map((x) => x.join('')),
  fc.tuple(upper, digit, digit).map((x) => x.join('')),
  fc.tuple(upper, upper, digit).map((x) => x.join('')),
  fc.tuple(upper, upper, digit, digit).map((x) => x.join('')),
  fc.tuple(upper, digit, upper).map((x) => x.join('')),
  fc.tuple(upper, upper, digit, upper).map((x) => x.join('')),
);
const postcode = fc
  .tuple(outward, digit, inwardLetter, inwardLetter)
  .map(([o, d, a, b]) => `${o} ${d}${a}${b}`);

describe('normalisePostcode properties', () => {
  it('every structurally valid postcode is accepted, and case/spacing variants agree', () => {
    fc.assert(
      fc.property(postcode, fc.nat(), (pc, seed) => {
        const canonical = normalisePostcode(pc);
        expect(canonical.kind).toBe('present');
        const squashed = pc.replace(' ', '');
        const variants = [
          pc.toLowerCase(),
          squashed,
          ` ${pc.replace(' ', '   ')}\t`,
          seed % 2 ? squashed.toLowerCase() : pc,
        ];
        for (const v of variants) expect(normalisePostcode(v)).toEqual(canonical);
      }),
    );
  });

  it('is idempotent: normalising v.full gives v again', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          postcode,
          fc.string({ maxLength: 10 }),
          postcode.map((p) => p.toLowerCase().replace(' ', '')),
          fc.stringMatching(/^[a-zA-Z0-9 ]{5,9}$/),
        ),
        (s) => {
          const r = normalisePostcode(s);
          if (r.kind === 'present') expect(normalisePostcode(r.value.full)).toEqual(r);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
