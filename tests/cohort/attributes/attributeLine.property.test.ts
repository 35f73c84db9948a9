import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttributeLineSchema,
  wellFormedAttributeLine,
} from '../../../src/cohort/attributes/attributeLine.js';

/**
 * The hand-written check must say yes exactly when zod does, and then hand back what zod would.
 * Lines are built from valid values and near misses for each field, fields left out, extra
 * keys (including ones that live on Object.prototype) and non-objects, then put through
 * JSON.stringify/JSON.parse as the reader does.
 */

const anyJson = fc.jsonValue({ maxDepth: 1 });

/** Each field's values that pass, and near misses: the right kind but just outside the rules. */
const refOk = fc.oneof(
  fc.string({ minLength: 1, maxLength: 64 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
);
// zod counts code points, so 64 emoji (128 UTF-16 units) pass and 65 do not.
const refNear = fc.constantFrom(
  '',
  'a'.repeat(65),
  '😀'.repeat(65),
  `${'😀'.repeat(64)}a`,
  '\ud800'.repeat(65),
);
const refEdge = fc.constantFrom(
  'a'.repeat(64),
  '😀'.repeat(64),
  `${'a'.repeat(63)}😀`,
  '\ud800',
  '\udc00\ud800',
);
const yearOk = fc.integer({ min: 1880, max: 9999 });
const yearNear = fc.oneof(
  fc.constantFrom(1879, 10_000, 0, -1, 1950.5, 1e5, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const monthOk = fc.integer({ min: 1, max: 12 });
const monthNear = fc.oneof(fc.constantFrom(0, 13, 1.5, -1, 12.000001), fc.integer({ min: -50, max: 50 }));
const sexOk = fc.constantFrom('M', 'F', 'I', 'U');
const sexNear = fc.constantFrom('m', 'f', 'X', '', 'MF', 'M ');
const regionOk = fc.stringMatching(/^[A-Z][A-Z0-9]{2,8}$/);
const regionNear = fc.oneof(
  fc.constantFrom('y56', 'Y5', 'Y567890123', '5YY', 'Y56\n', ' Y56', 'Y-6', 'ÄBC', 'Y56 '),
  fc.string({ maxLength: 11 }),
);
const dateOk = fc.oneof(fc.constant('2020-01-01'), fc.string({ maxLength: 12 }));

/** A field: mostly a passing value, else a near miss, null, or any JSON at all. */
const field = <T, U>(ok: fc.Arbitrary<T>, near: fc.Arbitrary<U>) =>
  fc.oneof(
    { weight: 12, arbitrary: ok },
    { weight: 1, arbitrary: near },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(anyJson, fc.constant([]), fc.constant({})) },
  );

const extraKey = fc.constantFrom(
  'extra',
  'Ref',
  'birthyear',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
);

const fields = (requiredKeys: ('ref' | 'deceased')[]) =>
  fc.record(
    {
      ref: field(fc.oneof({ weight: 9, arbitrary: refOk }, refEdge), refNear),
      birthYear: field(yearOk, yearNear),
      birthMonth: field(monthOk, monthNear),
      sex: field(sexOk, sexNear),
      region: field(regionOk, regionNear),
      deceased: field(fc.boolean(), fc.constantFrom(0, 1, 'true', 'false')),
      deathDate: field(dateOk, fc.constantFrom(20200101, true)),
    },
    { requiredKeys },
  );

const lineObject = fc
  .tuple(
    // Most lines carry the two required keys, so that many pass; the rest may lack any key.
    fc.oneof({ weight: 4, arbitrary: fields(['ref', 'deceased']) }, { weight: 1, arbitrary: fields([]) }),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant([] as [string, unknown][]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(extraKey, anyJson), { minLength: 1, maxLength: 2 }) },
    ),
  )
  .map(([fields, extras]) => {
    // Extras are written into the JSON text so `__proto__` arrives as an own key, as from a file.
    const body = [...Object.entries(fields), ...extras].map(
      ([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`,
    );
    return `{${body.join(',')}}`;
  });

const lineText = fc.oneof(
  { weight: 12, arbitrary: lineObject },
  { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('null', '[]', '"x"', '1', 'true', '[{"ref":"A","deceased":true}]'),
  },
);

describe('wellFormedAttributeLine', () => {
  it('accepts exactly the lines AttributeLineSchema accepts, with the same values', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(lineText, (text) => {
        const json: unknown = JSON.parse(text);
        const fast = wellFormedAttributeLine(json);
        const zod = AttributeLineSchema.safeParse(json);
        expect(fast !== undefined).toBe(zod.success);
        if (zod.success) {
          expect(fast).toStrictEqual(zod.data);
          accepted++;
        } else refused++;
      }),
      { numRuns: 20_000 },
    );
    // Both verdicts must have been exercised for the agreement to mean anything.
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(1000);
  });

  it('agrees on objects no JSON text yields: undefined values and prototype keys', () => {
    const undef = fc.constant(undefined);
    fc.assert(
      fc.property(
        fc.record(
          {
            ref: fc.oneof(refOk, refNear, undef),
            birthYear: fc.oneof(yearOk, yearNear, undef, fc.constant(null)),
            sex: fc.oneof(sexOk, sexNear, undef),
            deceased: fc.oneof(fc.boolean(), undef),
            extra: undef,
          },
          { requiredKeys: [] },
        ),
        (o) => {
          expect(wellFormedAttributeLine(o) !== undefined).toBe(AttributeLineSchema.safeParse(o).success);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('accepts a full line and refuses each kind of near miss', () => {
    const good = {
      ref: 'A1',
      birthYear: 1950,
      birthMonth: 3,
      sex: 'F',
      region: 'Y56',
      deceased: true,
      deathDate: '2020-05-01',
    };
    expect(wellFormedAttributeLine(good)).toStrictEqual(AttributeLineSchema.parse(good));
    for (const bad of [
      { ...good, extra: 1 },
      { ...good, birthYear: 1879 },
      { ...good, birthYear: 1950.5 },
      { ...good, birthMonth: 13 },
      { ...good, sex: 'X' },
      { ...good, region: 'y56' },
      { ...good, region: 'Y56\n' },
      { ...good, deceased: null },
      { ...good, ref: '' },
      { ...good, ref: 'a'.repeat(65) },
      { ...good, deathDate: 20200501 },
      JSON.parse(`{"ref":"A","deceased":false,"__proto__":{}}`),
    ]) {
      expect(AttributeLineSchema.safeParse(bad).success).toBe(false);
      expect(wellFormedAttributeLine(bad)).toBeUndefined();
    }
  });
});
