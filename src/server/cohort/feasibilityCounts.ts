/**
 * The raw (true) counts of one feasibility query over a run's linked people: eligible total,
 * breakdowns by region, age band and sex, exclusions, and the linkage-uncertainty range. They
 * never leave the service: the route passes them through publishFeasibility.
 */

import type { CriteriaRequest } from '../../cohort/criteria/index.js';
import type { RawFeasibilityCounts } from '../../cohort/disclosure/index.js';
import type { CohortSelection } from '../../cohort/evaluate/index.js';
import type { PeopleColumns } from '../../cohort/people.js';
import { alternativeTotals } from './linkageRange.js';
import type { RunCohort } from './runCohort.js';

/**
 * How the linkage range was made: 'reclustered' = real counts with the people regrouped at
 * threshold ± margin from the run's floor links (one-to-one, many-to-one); 'estimated' =
 * borderline links above and an estimated number below (dedup, multi; see runCohort.ts).
 */
export type RangeMethod = 'reclustered' | 'estimated';

/** Age bands common in trial feasibility; `unknown` for people without a birth year. */
export const AGE_BANDS = [
  { name: '0-17', min: 0, max: 17 },
  { name: '18-39', min: 18, max: 39 },
  { name: '40-64', min: 40, max: 64 },
  { name: '65-74', min: 65, max: 74 },
  { name: '75+', min: 75, max: 1000 },
] as const;
const SEX_NAMES = ['unknown', 'female', 'male', 'other'] as const;

/** Completed years at (year, month), birthdays on the 1st of the birth month (1 July if unknown), as the evaluator does. */
export function ageBand(people: PeopleColumns, p: number, atYear: number, atMonth: number): string {
  const by = people.birthYear[p]!;
  if (by === 0) return 'unknown';
  const bm = people.birthMonth[p] || 7;
  const age = atYear - by - (atMonth < bm ? 1 : 0);
  return AGE_BANDS.find((b) => age >= b.min && age <= b.max)?.name ?? 'unknown';
}

export function feasibilityCounts(
  cohort: RunCohort,
  selection: CohortSelection,
  indexDate: string,
  criteria: CriteriaRequest,
): { counts: RawFeasibilityCounts; rangeMethod: RangeMethod; excludedByMatch: number } {
  const people = cohort.joined.people;
  const atYear = Number(indexDate.slice(0, 4));
  const atMonth = Number(indexDate.slice(5, 7));
  const byRegion: Record<string, number> = {};
  const byAgeBand: Record<string, number> = {};
  const bySex: Record<string, number> = {};
  let borderlineEligible = 0;
  // Met the criteria but excluded only because exclusion matching tied a record to an opt-out
  // or a death that the run's own links did not: what conservative matching costs the count.
  let excludedByMatch = 0;
  for (let p = 0; p < people.count; p++) excludedByMatch += selection.matched[p]! & cohort.byMatch[p]!;
  const inc = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  for (let p = 0; p < people.count; p++) {
    if (selection.eligible[p] === 0) continue;
    const r = people.region[p]!;
    inc(byRegion, r < people.regions.length ? people.regions[r]! : 'unknown');
    inc(byAgeBand, ageBand(people, p, atYear, atMonth));
    inc(bySex, SEX_NAMES[people.sex[p]!] ?? 'unknown');
    borderlineEligible += cohort.borderline[p]!;
  }
  const total = selection.eligibleCount;
  const counts = {
    total,
    byRegion,
    byAgeBand,
    bySex,
    excluded: selection.excluded,
  };
  if (cohort.alternatives !== undefined) {
    // The same criteria over the people as thresholds t − margin and t + margin group them.
    const all = [total, ...alternativeTotals(cohort.alternatives, criteria)];
    return {
      counts: { ...counts, linkageRange: { low: Math.min(...all), high: Math.max(...all) } },
      rangeMethod: 'reclustered',
      excludedByMatch,
    };
  }
  return {
    counts: {
      ...counts,
      linkageRange: {
        // Dropping a borderline link can lose at most its person from the eligible set; adding a
        // link just below the threshold can gain at most one person (see runCohort.ts).
        low: total - borderlineEligible,
        high: total + Math.min(cohort.belowEstimate, people.count - total),
      },
    },
    rangeMethod: 'estimated',
    excludedByMatch,
  };
}
