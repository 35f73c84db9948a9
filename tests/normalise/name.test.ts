import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type NameRole, nameInitial, normaliseName } from '../../src/encoding/normalise/index.js';

type Expected = string[] | 'missing' | 'name_has_digits' | 'name_unsupported_chars' | 'text_too_long';

const cases: ReadonlyArray<[string, string, NameRole, Expected]> = [
  ['plain', 'Smith', 'family', ['smith']],
  ['diaeresis', 'Zoë', 'given', ['zoe']],
  ['stroke l', 'Łukasz', 'given', ['lukasz']],
  ['umlaut', 'Müller', 'family', ['muller']],
  ['Irish surname with fadas', 'Ó Súilleabháin', 'family', ['o', 'suilleabhain']],
  ['apostrophe', "O'Brien", 'family', ['obrien']],
  ['apostrophe mid-name', "D'Arcy", 'family', ['darcy']],
  ['typographic apostrophe', 'O’Brien', 'family', ['obrien']],
  ['double-barrelled with hyphen', 'Smith-Jones', 'family', ['smith', 'jones']],
  ['double-barrelled with space', 'smith jones', 'family', ['smith', 'jones']],
  ['double-barrelled, shouted, two spaces', 'SMITH  JONES', 'family', ['smith', 'jones']],
  ['en dash and spaces', 'Smith – Jones', 'family', ['smith', 'jones']],
  ['several given names', 'Mary Anne  Louise', 'given', ['mary', 'anne', 'louise']],
  ['leading title on full name', 'Mr John Smith', 'full', ['john', 'smith']],
  ['leading title with full stop', 'Dr. Jane Doe', 'full', ['jane', 'doe']],
  ['stacked titles', 'Rev Dr Jane Doe', 'full', ['jane', 'doe']],
  ['title on given names', 'Mrs Jane', 'given', ['jane']],
  ['title alone is kept', 'Lord', 'family', ['lord']],
  ['title-like first part of a family name kept', 'Lord-Smith', 'family', ['lord', 'smith']],
  ['title only, full role, is kept', 'Mr', 'full', ['mr']],
  ['trailing suffix', 'John Smith Jr', 'full', ['john', 'smith']],
  ['trailing numeral suffix', 'Smith III', 'family', ['smith']],
  ['suffix with full stop', 'Smith Jnr.', 'family', ['smith']],
  ['title and suffix', 'Sir John Smith Snr', 'full', ['john', 'smith']],
  ['suffix alone is kept', 'Jr', 'family', ['jr']],
  ['suffix not stripped from given names', 'John II', 'given', ['john', 'ii']],
  ['title not stripped from family names', 'Dr Who', 'family', ['dr', 'who']],
  ['digits', 'J0hn', 'given', 'name_has_digits'],
  ['superscript digit', 'Smith²', 'family', 'name_has_digits'],
  ['other script', 'Иван', 'given', 'name_unsupported_chars'],
  ['missing marker', 'UNKNOWN', 'family', 'missing'],
  ['empty', '   ', 'family', 'missing'],
  ['only punctuation', "' - '", 'family', 'missing'],
  ['marker left after title', 'Mr None', 'full', 'missing'],
  ['too long', 'a'.repeat(300), 'family', 'text_too_long'],
];

describe('normaliseName', () => {
  it.each(cases)('%s: %j (%s)', (_d, input, role, expected) => {
    const r = normaliseName(input, { role });
    if (Array.isArray(expected)) {
      expect(r).toEqual({ kind: 'present', value: { text: expected.join(' '), parts: expected } });
    } else if (expected === 'missing') {
      expect(r).toEqual({ kind: 'missing' });
    } else {
      expect(r).toEqual({ kind: 'invalid', reason: expected });
    }
  });

  it('defaults to the full-name role', () => {
    expect(normaliseName('Ms Ann Lee Snr')).toEqual(normaliseName('Ann Lee'));
  });

  it('nameInitial gives the first letter', () => {
    const r = normaliseName('Émile Zola');
    expect(r.kind === 'present' && nameInitial(r.value)).toBe('e');
  });
});

// Name-like text: letters with and without accents, separators, titles and suffixes.
const nameChunk = fc.oneof(
  fc.constantFrom(
    'Mr ',
    'DR. ',
    'Lady ',
    ' Jr',
    ' iii',
    'None',
    'ß',
    'Ø',
    'é',
    'Ł',
    "'",
    '’',
    '-',
    '–',
    ' ',
    '.',
    'ı',
    'İ',
  ),
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCZ'), minLength: 1, maxLength: 6 }),
);
const nameLike = fc.array(nameChunk, { maxLength: 8 }).map((xs) => xs.join(''));
const anyText = fc.oneof(
  nameLike,
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ maxLength: 30 }),
);
const role = fc.constantFrom<NameRole>('given', 'family', 'full');

describe('normaliseName properties', () => {
  it('is idempotent: normalising v.text gives v again', () => {
    fc.assert(
      fc.property(anyText, role, (s, r) => {
        const once = normaliseName(s, { role: r });
        if (once.kind === 'present') expect(normaliseName(once.value.text, { role: r })).toEqual(once);
      }),
      { numRuns: 3000 },
    );
  });

  it('never yields anything but a–z words joined by single spaces', () => {
    fc.assert(
      fc.property(anyText, role, (s, r) => {
        const out = normaliseName(s, { role: r });
        if (out.kind !== 'present') return;
        expect(out.value.text).toMatch(/^[a-z]+(?: [a-z]+)*$/);
        expect(out.value.parts.join(' ')).toBe(out.value.text);
        for (const p of out.value.parts) expect(p).toMatch(/^[a-z]+$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('hyphen, space and case variants of a name agree', () => {
    const word = fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'),
      minLength: 1,
      maxLength: 8,
    });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const a = normaliseName(words.join('-'), { role: 'family' });
        const b = normaliseName(`  ${words.join('   ').toUpperCase()} `, { role: 'family' });
        expect(b).toEqual(a);
      }),
    );
  });
});
