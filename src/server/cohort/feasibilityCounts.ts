/**
 * Feasibility's age bands (shared with the cell layout and the subgroup report) and its
 * linkage-uncertainty range. True counts never leave the service: the route publishes them
 * through overlap control and the keyed rounding.
 */

import type { CriteriaRequest } from '../../cohort/criteria/index.js';
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

/** Completed years at (year, month), birthdays on the 1st of the birth month (1 July if unknown), as the evaluator does. */
export function ageBand(people: PeopleColumns, p: number, atYear: number, atMonth: number): string {
  const by = people.birthYear[p]!;
  if (by === 0) return 'unknown';
  const bm = people.birthMonth[p] || 7;
  const age = atYear - by - (atMonth < bm ? 1 : 0);
  return AGE_BANDS.find((b) => age >= b.min && age <= b.max)?.name ?? 'unknown';
}

/**
 * The eligible total under the other groupings of people the run's threshold margin allows.
 * The total, breakdowns and exclusions themselves are planned and published from the run's cell
 * layout (overlapControl.ts, controlledPublish.ts); this is the one figure that needs the
 * run's links.
 */
export function linkageRangeCounts(
  cohort: RunCohort,
  selection: CohortSelection,
  criteria: CriteriaRequest,
): { linkageRange: { low: number; high: number }; rangeMethod: RangeMethod } {
  const total = selection.eligibleCount;
  if (cohort.alternatives !== undefined) {
    // The same criteria over the people as thresholds t − margin and t + margin group them.
    const all = [total, ...alternativeTotals(cohort.alternatives, criteria)];
    return { linkageRange: { low: Math.min(...all), high: Math.max(...all) }, rangeMethod: 'reclustered' };
  }
  let borderlineEligible = 0;
  for (let p = 0; p < selection.eligible.length; p++)
    borderlineEligible += selection.eligible[p]! & cohort.borderline[p]!;
  return {
    linkageRange: {
      // Dropping a borderline link can lose at most its person from the eligible set; adding a
      // link just below the threshold can gain at most one person (see runCohort.ts).
      low: total - borderlineEligible,
      high: total + Math.min(cohort.belowEstimate, cohort.joined.people.count - total),
    },
    rangeMethod: 'estimated',
  };
}
