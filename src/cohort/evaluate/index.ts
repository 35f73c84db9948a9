import { parseCriteria } from '../criteria/parse.js';
import type { EventColumns, PeopleColumns } from '../people.js';
import { type CohortSelection, evaluateCohortPlan } from './evaluate.js';
import { compileCohortPlan } from './plan.js';

export { resolveCodes, sortedCodeOrder } from './codeIndex.js';
export { type CohortSelection, evaluateCohortPlan } from './evaluate.js';
export { type CohortPlan, compileCohortPlan, type PlanNode } from './plan.js';

/** Validates untrusted criteria, compiles them against the columns and evaluates them. */
export function selectCohort(json: unknown, people: PeopleColumns, events: EventColumns): CohortSelection {
  return evaluateCohortPlan(compileCohortPlan(parseCriteria(json), people, events));
}
