import { normaliseCode } from '../../../src/cohort/criteria/codes.js';
import type { Criterion } from '../../../src/cohort/criteria/schema.js';
import { CODE_SYSTEMS } from '../../../src/cohort/people.js';
import type { TestPerson } from './columns.js';

/**
 * The obviously-correct evaluator: one person at a time, straight from the criteria text, with
 * strings and Date objects instead of tables. The fast evaluator must agree with it exactly.
 */
const SEX_NAMES = ['unknown', 'female', 'male', 'other'];

function isoOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

export function referenceMatches(
  c: Criterion,
  p: TestPerson,
  regions: readonly string[],
  datasets: readonly string[],
): boolean {
  if ('all' in c) return c.all.every((x) => referenceMatches(x, p, regions, datasets));
  if ('any' in c) return c.any.some((x) => referenceMatches(x, p, regions, datasets));
  if ('not' in c) return !referenceMatches(c.not, p, regions, datasets);
  if ('age' in c) {
    if (p.birthYear === 0) return false;
    const at = new Date(`${c.age.at}T00:00:00Z`);
    // Birthday on the 1st of the birth month; 1 July when the month is unknown.
    const birthday = new Date(Date.UTC(p.birthYear, (p.birthMonth || 7) - 1, 1));
    let age = at.getUTCFullYear() - birthday.getUTCFullYear();
    if (at.getUTCMonth() < birthday.getUTCMonth()) age--;
    return age >= (c.age.min ?? 0) && age <= (c.age.max ?? Number.POSITIVE_INFINITY);
  }
  if ('sex' in c) return c.sex.some((s) => s === SEX_NAMES[p.sex]);
  if ('region' in c) return regions[p.region] !== undefined && c.region.includes(regions[p.region]!);
  const e = c.event;
  const hits = p.events.filter((ev) => {
    if (CODE_SYSTEMS[ev.system] !== e.system) return false;
    if (e.dataset !== undefined && datasets[ev.dataset] !== e.dataset) return false;
    const iso = isoOfDay(ev.day);
    if ((e.from !== undefined && iso < e.from) || (e.to !== undefined && iso > e.to)) return false;
    return e.codes.some((pattern) =>
      pattern.endsWith('*')
        ? ev.code.startsWith(normaliseCode(e.system, pattern.slice(0, -1)))
        : ev.code === normaliseCode(e.system, pattern),
    );
  });
  return hits.length >= (e.atLeast ?? 1);
}
