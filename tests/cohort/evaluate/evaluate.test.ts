import { describe, expect, it } from 'vitest';
import { parseCriteria } from '../../../src/cohort/criteria/index.js';
import { compileCohortPlan, selectCohort } from '../../../src/cohort/evaluate/index.js';
import { CohortlinkError } from '../../../src/errors.js';
import { buildColumns, SYSTEM, type TestEvent, type TestPerson, UNKNOWN_REGION } from './columns.js';

const F = 'cohortlink-criteria/1';
const REGIONS = ['E54000008', 'E54000027'];
const DATASETS = ['gp', 'hes'];
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

function person(over: Partial<TestPerson> = {}): TestPerson {
  return { birthYear: 1960, birthMonth: 6, sex: 1, region: 0, deceased: 0, optedOut: 0, events: [], ...over };
}
const icd = (code: string, iso = '2024-01-01', dataset = 0): TestEvent => ({
  system: SYSTEM('ICD-10'),
  code,
  day: day(iso),
  dataset,
});

function eligible(persons: TestPerson[], where: unknown): number[] {
  const { people, events } = buildColumns(persons, REGIONS, DATASETS);
  const r = selectCohort({ format: F, where }, people, events);
  return persons.map((_, i) => i).filter((i) => r.eligible[i] === 1);
}

describe('cohort evaluator, by example', () => {
  it('excludes deceased and opted-out people and counts them per reason among those matched', () => {
    const persons = [
      person(),
      person({ deceased: 1 }),
      person({ optedOut: 1 }),
      person({ deceased: 1, optedOut: 1 }),
      person({ sex: 2, deceased: 1 }), // does not match, so not counted as excluded
    ];
    const { people, events } = buildColumns(persons, REGIONS, DATASETS);
    const r = selectCohort({ format: F, where: { sex: ['female'] } }, people, events);
    expect(Array.from(r.eligible)).toEqual([1, 0, 0, 0, 0]);
    expect(r).toMatchObject({ eligibleCount: 1, matchedCount: 4, excluded: { deceased: 2, optedOut: 2 } });
  });

  it('counts a birthday from the 1st of the birth month, and 1 July when the month is unknown', () => {
    const persons = [
      person({ birthYear: 1986, birthMonth: 12 }), // 40 on 2026-12-01
      person({ birthYear: 1987, birthMonth: 1 }), // 39
      person({ birthYear: 1986, birthMonth: 0 }), // 40 from 2026-07-01
      person({ birthYear: 0, birthMonth: 5 }), // unknown age never matches
    ];
    expect(eligible(persons, { age: { min: 40, at: '2026-12-01' } })).toEqual([0, 2]);
    expect(eligible(persons, { age: { min: 40, at: '2026-06-30' } })).toEqual([]);
    expect(eligible(persons, { age: { max: 39, at: '2026-06-30' } })).toEqual([0, 1, 2]);
    expect(eligible(persons, { age: { max: 39, at: '2026-07-01' } })).toEqual([0, 1]);
  });

  it('matches codes exactly or by prefix, ignoring ICD-10 dots and case, within the system', () => {
    const persons = [
      person({ events: [icd('E119')] }),
      person({ events: [icd('E11')] }),
      person({ events: [icd('E1')] }),
      person({ events: [{ system: SYSTEM('OPCS-4'), code: 'E119', day: day('2024-01-01'), dataset: 0 }] }),
    ];
    const ev = (codes: string[]) => ({ event: { system: 'ICD-10', codes } });
    expect(eligible(persons, ev(['e11.9']))).toEqual([0]);
    expect(eligible(persons, ev(['E11*']))).toEqual([0, 1]);
    expect(eligible(persons, ev(['E11.*']))).toEqual([0, 1]);
    expect(eligible(persons, ev(['E1*']))).toEqual([0, 1, 2]);
    expect(eligible(persons, ev(['Z99*']))).toEqual([]);
  });

  it('applies the date window inclusively, the dataset, and at-least counts', () => {
    const persons = [
      person({ events: [icd('I10', '2020-01-01'), icd('I10', '2020-12-31', 1)] }),
      person({ events: [icd('I10', '2019-12-31'), icd('I10', '2021-01-01')] }),
    ];
    const w = { from: '2020-01-01', to: '2020-12-31' };
    expect(eligible(persons, { event: { system: 'ICD-10', codes: ['I10'], ...w } })).toEqual([0]);
    expect(eligible(persons, { event: { system: 'ICD-10', codes: ['I10'], ...w, atLeast: 2 } })).toEqual([0]);
    expect(eligible(persons, { event: { system: 'ICD-10', codes: ['I10'], atLeast: 2 } })).toEqual([0, 1]);
    expect(eligible(persons, { event: { system: 'ICD-10', codes: ['I10'], dataset: 'hes' } })).toEqual([0]);
    expect(eligible(persons, { event: { system: 'ICD-10', codes: ['I10'], dataset: 'nope' } })).toEqual([]);
    // "No event of a kind": everyone without an I10 in the window.
    expect(eligible(persons, { not: { event: { system: 'ICD-10', codes: ['I10'], ...w } } })).toEqual([1]);
  });

  it('never matches an unknown region, and ignores region codes no one has', () => {
    const persons = [person({ region: 1 }), person({ region: UNKNOWN_REGION })];
    expect(eligible(persons, { region: ['E54000027', 'E99999999'] })).toEqual([0]);
    expect(eligible(persons, { not: { region: ['E99999999'] } })).toEqual([0, 1]);
  });

  it('refuses columns whose events index a different number of people', () => {
    const { people } = buildColumns([person(), person()], REGIONS, DATASETS);
    const { events } = buildColumns([person()], REGIONS, DATASETS);
    const criteria = parseCriteria({ format: F, where: { sex: ['female'] } });
    expect(() => compileCohortPlan(criteria, people, events)).toThrow(CohortlinkError);
  });
});
