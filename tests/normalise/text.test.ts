import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldText, normaliseText } from '../../src/encoding/normalise/index.js';

const cases: ReadonlyArray<[string, string, string]> = [
  ['diaeresis', 'Zoë', 'zoe'],
  ['umlaut', 'Müller', 'muller'],
  ['stroke l', 'Łukasz', 'lukasz'],
  ['Irish fadas', 'Ó Súilleabháin', 'o suilleabhain'],
  ['sharp s', 'Straße', 'strasse'],
  ['capital sharp s', 'STRAẞE', 'strasse'],
  ['ash and ethel', 'Æthelstan Œuvre', 'aethelstan oeuvre'],
  ['slashed o', 'Søren Ødegaard', 'soren odegaard'],
  ['eth and d-stroke', 'Đorđe Guðrún', 'dorde gudrun'],
  ['thorn', 'Þór', 'thor'],
  ['dotless and dotted i', 'Iİıi', 'iiii'],
  ['typographic apostrophe', 'O’Brien', 'obrien'],
  ['ascii apostrophe', "D'Arcy", 'darcy'],
  ['backtick and acute accent', 'O`Neil D´Arcy', 'oneil darcy'],
  ['modifier apostrophe', 'Oʼneill', 'oneill'],
  ['Catalan middle dot', 'Gal·la', 'galla'],
  ['en and em dashes', 'Smith–Jones—Brown', 'smith-jones-brown'],
  ['minus sign and non-breaking hyphen', 'a\u2212b\u2011c', 'a-b-c'],
  ['punctuation becomes space', 'Smith, J. (Jr)', 'smith j jr'],
  ['whitespace collapsed', '  a \t\n b\u00a0\u3000c  ', 'a b c'],
  ['soft hyphen removed', 'Ander\u00adson', 'anderson'],
  ['fullwidth letters', 'ＳＭＩＴＨ', 'smith'],
  ['ligature', 'ﬁnn', 'finn'],
  ['digits kept', 'Flat 3a', 'flat 3a'],
  ['other scripts kept, lower-cased', 'Ελένη', 'ελενη'],
];

describe('foldText', () => {
  it.each(cases)('%s: %j → %j', (_d, input, expected) => {
    expect(foldText(input)).toBe(expected);
  });

  it('is idempotent on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const once = foldText(s);
        expect(foldText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('output has no upper case, marks, apostrophes or runs of spaces', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const out = foldText(s);
        expect(out).toBe(out.trim());
        expect(out).not.toMatch(/\s{2,}|[\p{M}'’\p{Lu}]/u);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('normaliseText', () => {
  it.each([
    ['missing marker', 'N/A', { kind: 'missing' }],
    ['only punctuation', " ' ", { kind: 'missing' }],
    ['marker after folding', 'None.', { kind: 'missing' }],
    ['present', ' Hello,  World ', { kind: 'present', value: 'hello world' }],
    ['too long', 'a'.repeat(513), { kind: 'invalid', reason: 'text_too_long' }],
    ['huge input', ' '.repeat(10_000) + 'a', { kind: 'invalid', reason: 'text_too_long' }],
  ])('%s', (_d, input, expected) => {
    expect(normaliseText(input)).toEqual(expected);
  });

  it('honours a maxLength override', () => {
    expect(normaliseText('abcdef', { maxLength: 5 })).toEqual({ kind: 'invalid', reason: 'text_too_long' });
    expect(normaliseText('abcde', { maxLength: 5 })).toEqual({ kind: 'present', value: 'abcde' });
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const r = normaliseText(s);
        if (r.kind === 'present') expect(normaliseText(r.value)).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('foldText over every code point', () => {
  // Exhaustive rather than sampled: Unicode oddities (compatibility forms that decompose to
  // capitals, context-sensitive casing) are rare enough that random strings miss them.
  it('is idempotent and never leaves upper case, in letter context', () => {
    const bad: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const once = foldText(`a${String.fromCodePoint(cp)}B`);
      if (foldText(once) !== once || /\p{Lu}/u.test(once)) bad.push(cp.toString(16));
    }
    expect(bad).toEqual([]);
  });
});
