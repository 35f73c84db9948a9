import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseSex, type Sex } from '../../src/encoding/normalise/index.js';

const cases: ReadonlyArray<[string, Sex | 'missing' | 'invalid']> = [
  ['M', 'M'],
  ['m', 'M'],
  [' Male ', 'M'],
  ['MAN', 'M'],
  ['1', 'M'],
  ['F', 'F'],
  ['female', 'F'],
  ['Woman', 'F'],
  ['2', 'F'],
  ['9', 'I'],
  ['I', 'I'],
  ['Indeterminate', 'I'],
  ['x', 'I'],
  ['Other', 'I'],
  ['intersex', 'I'],
  ['0', 'missing'],
  ['U', 'missing'],
  ['unknown', 'missing'],
  ['Not  Known', 'missing'],
  ['not specified', 'missing'],
  ['', 'missing'],
  ['N/A', 'missing'],
  ['3', 'invalid'],
  ['MF', 'invalid'],
  ['boy', 'invalid'],
  ['mal', 'invalid'],
];

describe('normaliseSex', () => {
  it.each(cases)('%j → %s', (input, expected) => {
    const r = normaliseSex(input);
    if (expected === 'missing') expect(r).toEqual({ kind: 'missing' });
    else if (expected === 'invalid') expect(r).toEqual({ kind: 'invalid', reason: 'sex_unknown_code' });
    else expect(r).toEqual({ kind: 'present', value: expected });
  });

  it("reads 'X' as not known when the source uses NHS PERSON STATED GENDER CODE", () => {
    expect(normaliseSex('X', { xMeans: 'missing' })).toEqual({ kind: 'missing' });
    expect(normaliseSex('9', { xMeans: 'missing' })).toEqual({ kind: 'present', value: 'I' });
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...cases.map((c) => c[0])), fc.string({ maxLength: 8 })), (s) => {
        const r = normaliseSex(s);
        if (r.kind === 'present') expect(normaliseSex(r.value)).toEqual(r);
      }),
    );
  });
});
