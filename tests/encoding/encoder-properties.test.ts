import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { popcount } from '../../src/encoding/bitfilter.js';
import { keyFingerprint } from '../../src/encoding/keys.js';
import { emptySummary } from '../../src/encoding/quality.js';
import { blocksOf, RecordEncoder } from '../../src/encoding/recordEncoder.js';
import { compileSchema } from '../../src/encoding/schema/load.js';
import { PRESETS } from '../../src/encoding/schema/presets.js';

const UK = PRESETS.uk!;
const COLUMNS = ['ref', 'nhs_number', 'given_name', 'family_name', 'date_of_birth', 'sex', 'postcode'];
const secretA = new TextEncoder().encode('shared secret A for tests');
const secretB = new TextEncoder().encode('shared secret B for tests');

function dice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  for (let i = 0; i < a.length; i++) inter += popcount(new Uint8Array([a[i]! & b[i]!]));
  const denom = popcount(a) + popcount(b);
  return denom === 0 ? 0 : (2 * inter) / denom;
}

const name = fc.stringMatching(/^[A-Z][a-z]{2,9}$/);
const record = fc.record({
  nhs: fc.constantFrom('9434765919', '4010232137', '', '943 476 5919'),
  given: name,
  family: name,
  dob: fc
    .date({ min: new Date('1920-01-01'), max: new Date('2020-12-31'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  sex: fc.constantFrom('M', 'F', 'Male', 'female', ''),
  postcode: fc.constantFrom('SW1A 1AA', 'ls6 2ab', 'M1 1AE', 'B15 2TT', ''),
});
type Rec = typeof record extends fc.Arbitrary<infer T> ? T : never;

function rowOf(r: Rec, ref = 'r1'): Record<string, string> {
  return {
    ref,
    nhs_number: r.nhs,
    given_name: r.given,
    family_name: r.family,
    date_of_birth: r.dob,
    sex: r.sex,
    postcode: r.postcode,
  };
}

function encodeWith(secret: Uint8Array, columns: string[], rows: Record<string, string>[]): Uint8Array[] {
  const plan = compileSchema(UK, secret);
  const enc = new RecordEncoder(plan, columns);
  const q = emptySummary(plan.fields.map((f) => f.column));
  return rows.map(
    (r) =>
      enc.encode(
        columns.map((c) => r[c] ?? ''),
        q,
      ).clk,
  );
}

describe('record encoder properties (UK schema)', () => {
  it('a CLK does not depend on the CSV column order', () => {
    fc.assert(
      fc.property(record, fc.shuffledSubarray(COLUMNS, { minLength: COLUMNS.length }), (r, shuffled) => {
        const [a] = encodeWith(secretA, COLUMNS, [rowOf(r)]);
        const [b] = encodeWith(secretA, shuffled, [rowOf(r)]);
        expect(Buffer.from(b!).equals(Buffer.from(a!))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('a CLK does not depend on the other records encoded with it', () => {
    fc.assert(
      fc.property(record, fc.array(record, { maxLength: 20 }), (r, others) => {
        const [alone] = encodeWith(secretA, COLUMNS, [rowOf(r)]);
        const batch = encodeWith(secretA, COLUMNS, [...others.map((o) => rowOf(o)), rowOf(r)]);
        expect(Buffer.from(batch[batch.length - 1]!).equals(Buffer.from(alone!))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('formatting variants of the same identifiers give the same CLK', () => {
    const a = rowOf({
      nhs: '9434765919',
      given: 'Zoë',
      family: "O'Brien-Smith",
      dob: '1970-03-12',
      sex: 'F',
      postcode: 'SW1A 1AA',
    });
    const b = rowOf({
      nhs: '943 476 5919',
      given: 'ZOE',
      family: 'obrien smith',
      dob: '12/03/1970',
      sex: 'female',
      postcode: 'sw1a1aa',
    });
    const [x, y] = encodeWith(secretA, COLUMNS, [a, b]);
    expect(dice(x!, y!)).toBe(1);
  });

  it('a different secret gives unrelated filters, the same secret identical ones', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 20, maxLength: 20 }), (recs) => {
        const rows = recs.map((r, i) => rowOf(r, `r${i}`));
        const a = encodeWith(secretA, COLUMNS, rows);
        const a2 = encodeWith(secretA, COLUMNS, rows);
        const b = encodeWith(secretB, COLUMNS, rows);
        let cross = 0;
        let unrelated = 0;
        for (let i = 0; i < rows.length; i++) {
          expect(dice(a[i]!, a2[i]!)).toBe(1);
          cross += dice(a[i]!, b[i]!);
          unrelated += dice(a[i]!, a[(i + 1) % rows.length]!);
        }
        // Same record under another key looks like an unrelated record under the same key.
        expect(cross / rows.length).toBeLessThan(0.6);
        expect(Math.abs(cross - unrelated) / rows.length).toBeLessThan(0.2);
      }),
      { numRuns: 10 },
    );
  });

  it('key fingerprints identify the secret without revealing it', () => {
    expect(keyFingerprint(secretA)).toBe(keyFingerprint(new Uint8Array(secretA)));
    expect(keyFingerprint(secretA)).not.toBe(keyFingerprint(secretB));
    expect(keyFingerprint(secretA)).not.toContain(Buffer.from(secretA).toString('hex').slice(0, 8));
  });

  it('invalid values are treated as missing and counted with their reason', () => {
    const plan = compileSchema(UK, secretA);
    const enc = new RecordEncoder(plan, COLUMNS);
    const q = emptySummary(plan.fields.map((f) => f.column));
    const bad = enc.encode(['r1', '9434765918', 'Ann', 'Lee', '1970-02-30', 'M', 'NOT A PC'], q);
    const missing = enc.encode(['r2', '', 'Ann', 'Lee', '', 'M', ''], q);
    expect(q.fields.nhs_number).toMatchObject({
      invalid: 1,
      missing: 1,
      invalidReasons: { nhs_check_digit: 1 },
    });
    expect(q.fields.date_of_birth).toMatchObject({
      invalid: 1,
      missing: 1,
      invalidReasons: { date_impossible: 1 },
    });
    expect(q.fields.postcode).toMatchObject({
      invalid: 1,
      missing: 1,
      invalidReasons: { postcode_format: 1 },
    });
    expect(Buffer.from(bad.clk).equals(Buffer.from(missing.clk))).toBe(true);
    expect(q.encodedWithMissing).toBe(2);
    expect(blocksOf(bad).nhs).toBeUndefined();
  });

  it('block keys are keyed: equal values agree, and the key changes with the secret', () => {
    const r = rowOf({
      nhs: '9434765919',
      given: 'Ann',
      family: 'Lee',
      dob: '1970-03-12',
      sex: 'F',
      postcode: 'LS6 2AB',
    });
    const planA = compileSchema(UK, secretA);
    const planB = compileSchema(UK, secretB);
    const q = emptySummary(planA.fields.map((f) => f.column));
    const a = blocksOf(
      new RecordEncoder(planA, COLUMNS).encode(
        COLUMNS.map((c) => r[c]!),
        q,
      ),
    );
    const b = blocksOf(
      new RecordEncoder(planB, COLUMNS).encode(
        COLUMNS.map((c) => r[c]!),
        q,
      ),
    );
    expect(Object.keys(a).sort()).toEqual(['fn_sdx_yob', 'gn_sdx_dob', 'nhs', 'pc_gn_init']);
    for (const k of Object.keys(a)) {
      expect(a[k]).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(a[k]).not.toBe(b[k]);
    }
    expect(JSON.stringify(a)).not.toContain('9434765919');
  });
});

describe('hardening', () => {
  const base = { ...UK, blocking: [] };
  const rows = [
    ['r1', '9434765919', 'Ann', 'Lee', '1970-03-12', 'F', 'LS6 2AB'],
    ['r2', '', 'Bartholomew', 'Featherstonehaugh', '1931-11-30', 'M', 'SW1A 1AA'],
  ];
  const encodeAll = (schema: unknown) => {
    const plan = compileSchema(schema, secretA);
    const enc = new RecordEncoder(plan, COLUMNS);
    const q = emptySummary(plan.fields.map((f) => f.column));
    return { plan, clks: rows.map((r) => enc.encode(r, q).clk) };
  };

  it('balancing doubles the length and sets exactly half the bits', () => {
    const { plan, clks } = encodeAll({ ...base, hardening: { balance: true } });
    expect(plan.filterBits).toBe(2048);
    for (const c of clks) {
      expect(c.length * 8).toBe(2048);
      expect(popcount(c)).toBe(1024);
    }
  });

  it('XOR-folding halves the filter', () => {
    const { plan, clks } = encodeAll({ ...base, filter: { bits: 512, xorFolds: 1 } });
    expect(plan.filterBits).toBe(512);
    expect(clks[0]!.length).toBe(64);
  });

  it('bit-flip noise is deterministic per record and flips about p of the bits', () => {
    const plain = encodeAll(base).clks;
    const noisy1 = encodeAll({ ...base, hardening: { bitFlip: { probability: 0.1 } } }).clks;
    const noisy2 = encodeAll({ ...base, hardening: { bitFlip: { probability: 0.1 } } }).clks;
    expect(Buffer.from(noisy1[0]!).equals(Buffer.from(noisy2[0]!))).toBe(true);
    let flipped = 0;
    for (let i = 0; i < plain[0]!.length; i++)
      flipped += popcount(new Uint8Array([plain[0]![i]! ^ noisy1[0]![i]!]));
    expect(flipped).toBeGreaterThan(1024 * 0.05);
    expect(flipped).toBeLessThan(1024 * 0.15);
  });

  it('salting with a stable field separates equal names born in different years', () => {
    const salted = { ...base, hardening: { salt: { column: 'date_of_birth', component: 'year' } } };
    const plan = compileSchema(salted, secretA);
    const enc = new RecordEncoder(plan, COLUMNS);
    const q = emptySummary(plan.fields.map((f) => f.column));
    const a = enc.encode(['r1', '', 'Ann', 'Lee', '1970-03-12', 'F', ''], q).clk;
    const b = enc.encode(['r2', '', 'Ann', 'Lee', '1971-03-12', 'F', ''], q).clk;
    const plainPlan = compileSchema(base, secretA);
    const pe = new RecordEncoder(plainPlan, COLUMNS);
    const pa = pe.encode(['r1', '', 'Ann', 'Lee', '1970-03-12', 'F', ''], q).clk;
    const pb = pe.encode(['r2', '', 'Ann', 'Lee', '1971-03-12', 'F', ''], q).clk;
    expect(dice(pa, pb)).toBeGreaterThan(0.85);
    expect(dice(a, b)).toBeLessThan(0.6);
  });
});
