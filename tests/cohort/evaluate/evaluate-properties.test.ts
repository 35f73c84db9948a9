import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CriteriaRequest, Criterion } from '../../../src/cohort/criteria/index.js';
import { parseCriteria } from '../../../src/cohort/criteria/index.js';
import { compileCohortPlan, evaluateCohortPlan } from '../../../src/cohort/evaluate/index.js';
import { buildColumns, type TestPerson, UNKNOWN_REGION } from './columns.js';
import { referenceMatches } from './reference.js';

const REGIONS = ['E54000008', 'E54000027', 'E54000050'];
const DATASETS = ['gp', 'hes'];
// 2014-01-01 .. 2026-12-31 as days since the epoch.
const DAY_MIN = 16_071;
const DAY_MAX = 20_818;
// Stored codes are normalised; several share prefixes, and one string appears in two systems.
const STORED = [
  [0, 'E11'],
  [0, 'E119'],
  [0, 'E1190'],
  [0, 'E10'],
  [0, 'I10'],
  [0, 'C50'],
  [1, 'K401'],
  [1, 'E11'],
  [2, '44054006'],
  [3, '325278004'],
] as const;
const PATTERNS = ['E11*', 'E11', 'e11.9', 'E1*', 'I10', 'C*', 'K40*', 'K40.1', '44054006', '3*', 'Z99'];
const SYSTEMS = ['ICD-10', 'OPCS-4', 'SNOMED-CT', 'dm+d'] as const;

const isoOfDay = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);

const person: fc.Arbitrary<TestPerson> = fc.record({
  birthYear: fc.oneof(fc.constant(0), fc.integer({ min: 1930, max: 2020 })),
  birthMonth: fc.integer({ min: 0, max: 12 }),
  sex: fc.integer({ min: 0, max: 3 }),
  region: fc.oneof(fc.integer({ min: 0, max: REGIONS.length - 1 }), fc.constant(UNKNOWN_REGION)),
  deceased: fc.integer({ min: 0, max: 1 }),
  optedOut: fc.integer({ min: 0, max: 1 }),
  events: fc
    .array(
      fc.record({
        stored: fc.constantFrom(...STORED),
        day: fc.integer({ min: DAY_MIN, max: DAY_MAX }),
        dataset: fc.integer({ min: 0, max: DATASETS.length - 1 }),
      }),
      { maxLength: 6 },
    )
    .map((es) =>
      es.map(({ stored, day, dataset }) => ({ system: stored[0], code: stored[1], day, dataset })),
    ),
});

const isoDay = fc.integer({ min: DAY_MIN, max: DAY_MAX }).map(isoOfDay);

const leaf: fc.Arbitrary<Criterion> = fc.oneof(
  fc
    .record({
      a: fc.integer({ min: 0, max: 100 }),
      b: fc.integer({ min: 0, max: 100 }),
      at: isoDay,
      which: fc.constantFrom('min', 'max', 'both'),
    })
    .map(({ a, b, at, which }) => {
      const [min, max] = a <= b ? [a, b] : [b, a];
      return { age: which === 'min' ? { min, at } : which === 'max' ? { max, at } : { min, max, at } };
    }),
  fc.subarray(['unknown', 'female', 'male', 'other'] as const, { minLength: 1 }).map((sex) => ({ sex })),
  fc.subarray([...REGIONS, 'E99999999'], { minLength: 1 }).map((region) => ({ region })),
  fc
    .record(
      {
        system: fc.constantFrom(...SYSTEMS),
        codes: fc.subarray(PATTERNS, { minLength: 1 }),
        window: fc.option(fc.tuple(fc.option(isoDay), fc.option(isoDay))),
        dataset: fc.constantFrom('gp', 'hes', 'pharmacy'),
        atLeast: fc.integer({ min: 1, max: 3 }),
      },
      { requiredKeys: ['system', 'codes'] },
    )
    .map(({ window, ...e }) => {
      const [f, t] = window ?? [null, null];
      const [from, to] = f !== null && t !== null && f > t ? [t, f] : [f, t];
      return { event: { ...e, ...(from !== null ? { from } : {}), ...(to !== null ? { to } : {}) } };
    }),
);

const criterion: fc.Arbitrary<Criterion> = fc.letrec<{ node: Criterion }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((all) => ({ all })),
    fc.array(tie('node'), { minLength: 1, maxLength: 4 }).map((any) => ({ any })),
    tie('node').map((not) => ({ not })),
  ),
})).node;

describe('cohort evaluator', () => {
  it('agrees with the per-person reference on random populations and criteria', () => {
    fc.assert(
      fc.property(fc.array(person, { maxLength: 40 }), criterion, (persons, where) => {
        const request: CriteriaRequest = parseCriteria({ format: 'cohortlink-criteria/1', where });
        const { people, events } = buildColumns(persons, REGIONS, DATASETS);
        const got = evaluateCohortPlan(compileCohortPlan(request, people, events));
        const matched = persons.map((p) => referenceMatches(request.where, p, REGIONS, DATASETS));
        const eligible = persons.map((p, i) => matched[i]! && !p.deceased && !p.optedOut);
        expect(Array.from(got.eligible, (b) => b === 1)).toEqual(eligible);
        expect(got.eligibleCount).toBe(eligible.filter(Boolean).length);
        expect(got.matchedCount).toBe(matched.filter(Boolean).length);
        expect(got.excluded).toEqual({
          deceased: persons.filter((p, i) => matched[i] && p.deceased).length,
          optedOut: persons.filter((p, i) => matched[i] && p.optedOut).length,
        });
      }),
      { numRuns: 500 },
    );
  });
});
