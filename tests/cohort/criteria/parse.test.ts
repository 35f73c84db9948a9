import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CRITERIA_LIMITS, criteriaJsonSchema, parseCriteria } from '../../../src/cohort/criteria/index.js';
import { CohortlinkError } from '../../../src/errors.js';
import { PROJECT_ROOT } from '../../helpers/paths.js';

const F = 'cohortlink-criteria/1';

function issuesOf(json: unknown): string[] {
  try {
    parseCriteria(json);
  } catch (e) {
    if (e instanceof CohortlinkError) {
      expect(e.code).toBe('CL_USAGE');
      return e.issues.map((i) => `${i.path}: ${i.message}`);
    }
    throw e;
  }
  return [];
}

const sexLeaf = { sex: ['female'] };

describe('cohort criteria', () => {
  it('the published JSON Schema is the one generated from the validator', () => {
    const published = JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', 'cohort-criteria.v1.json'), 'utf8'));
    expect(published).toEqual(JSON.parse(JSON.stringify(criteriaJsonSchema())));
  });

  it('accepts a realistic trial definition', () => {
    const where = {
      all: [
        { age: { min: 40, max: 75, at: '2026-12-01' } },
        { sex: ['female', 'male'] },
        { region: ['E54000008'] },
        {
          event: { system: 'ICD-10', codes: ['E11*'], from: '2021-12-01', to: '2026-12-01', dataset: 'hes' },
        },
        { event: { system: 'dm+d', codes: ['325278004'], atLeast: 2 } },
        { not: { any: [{ event: { system: 'ICD-10', codes: ['E10*', 'O24.4'] } }] } },
      ],
    };
    expect(issuesOf({ format: F, where })).toEqual([]);
  });

  it('lists every problem at once, each with its JSON path', () => {
    const issues = issuesOf({
      format: 'cohortlink-criteria/2',
      where: {
        all: [
          { age: { min: 80, max: 40, at: '2026-02-30' } },
          { event: { system: 'ICD-11', codes: ['E11*', '*', 'E1*1'], atLeast: 0 } },
          { event: { system: 'ICD-10', codes: ['E11'], from: '2026-01-01', to: '2025-01-01' } },
          { sex: ['female'], region: ['E54000008'] },
          {},
          { not: { age: { at: '2026-01-01' } } },
          { event: { system: 'ICD-10', codes: ['E11'], colour: 'red' } },
        ],
      },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.format: /),
        expect.stringMatching(/^\$\.where\.all\[0\]\.age\.at: expected a real date/),
        expect.stringMatching(/^\$\.where\.all\[1\]\.event\.system: /),
        expect.stringMatching(/^\$\.where\.all\[1\]\.event\.codes\[1\]: expected a code/),
        expect.stringMatching(/^\$\.where\.all\[1\]\.event\.codes\[2\]: expected a code/),
        expect.stringMatching(/^\$\.where\.all\[1\]\.event\.atLeast: /),
        '$.where.all[2].event.to: to 2025-01-01 is before from 2026-01-01',
        expect.stringMatching(/^\$\.where\.all\[3\]: give exactly one of .* \(got sex, region\)$/),
        expect.stringMatching(/^\$\.where\.all\[4\]: give exactly one of all, any, not/),
        '$.where.all[5].not.age: give min, max or both',
        expect.stringMatching(/^\$\.where\.all\[6\]\.event: Unrecognized key/),
      ]),
    );
  });

  it('reports min above max at the max', () => {
    expect(issuesOf({ format: F, where: { age: { min: 80, max: 40, at: '2026-01-01' } } })).toEqual([
      '$.where.age.max: max 40 is below min 80',
    ]);
  });

  it('refuses criteria nested deeper than the limit, naming where', () => {
    let where: unknown = sexLeaf;
    for (let i = 0; i < CRITERIA_LIMITS.maxDepth; i++) where = { not: where };
    expect(issuesOf({ format: F, where })).toEqual([]);
    expect(issuesOf({ format: F, where: { not: where } })).toEqual([
      `$.where${'.not'.repeat(CRITERIA_LIMITS.maxDepth + 1)}: criteria nested deeper than ${CRITERIA_LIMITS.maxDepth}`,
    ]);
  });

  it('refuses absurdly nested JSON before validating it (no stack overflow)', () => {
    let where: unknown = sexLeaf;
    for (let i = 0; i < 100_000; i++) where = { not: where };
    const issues = issuesOf({ format: F, where });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/: JSON nested deeper than 64$/);
  });

  it('refuses more predicates than the limit', () => {
    const full = Array.from({ length: CRITERIA_LIMITS.maxChildren }, () => sexLeaf);
    const ok = { all: [{ all: full }, { all: full }] };
    expect(issuesOf({ format: F, where: ok })).toEqual([]);
    expect(issuesOf({ format: F, where: { all: [...ok.all, sexLeaf] } })).toEqual([
      `$.where: ${2 * CRITERIA_LIMITS.maxChildren + 1} predicates; at most ${CRITERIA_LIMITS.maxPredicates} are allowed`,
    ]);
  });

  it('refuses too many children, codes or regions in one place', () => {
    const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
    const codes = many(CRITERIA_LIMITS.maxCodesPerPredicate + 1, (i) => `A${i}`);
    expect(issuesOf({ format: F, where: { event: { system: 'ICD-10', codes } } })).toEqual([
      expect.stringMatching(/^\$\.where\.event\.codes: /),
    ]);
    const region = many(CRITERIA_LIMITS.maxRegionsPerPredicate + 1, (i) => `R${i}`);
    expect(issuesOf({ format: F, where: { region } })).toEqual([
      expect.stringMatching(/^\$\.where\.region: /),
    ]);
    const all = many(CRITERIA_LIMITS.maxChildren + 1, () => 'x').map(() => sexLeaf);
    expect(issuesOf({ format: F, where: { all } })).toEqual([expect.stringMatching(/^\$\.where\.all: /)]);
    expect(issuesOf({ format: F, where: { event: { system: 'ICD-10', codes: ['E'.repeat(33)] } } })).toEqual([
      expect.stringMatching(/^\$\.where\.event\.codes\[0\]: /),
    ]);
  });
});
