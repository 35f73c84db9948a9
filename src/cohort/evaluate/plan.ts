import { CohortlinkError } from '../../errors.js';
import { parseCodePattern } from '../criteria/codes.js';
import type { CriteriaRequest, Criterion } from '../criteria/schema.js';
import { SEXES } from '../criteria/schema.js';
import { CODE_SYSTEMS, type EventColumns, type PeopleColumns } from '../people.js';
import { resolveCodes } from './codeIndex.js';
import { isoToDay, isoYearMonth } from './dates.js';

/**
 * Criteria compiled against one set of columns: region codes, dataset names and code patterns
 * become indices and match tables once, so evaluation touches typed arrays only. Predicates
 * that can match nobody (a code no event carries, an unknown dataset) fold to constants.
 */

export type PlanNode =
  | { readonly kind: 'const'; readonly value: boolean }
  | { readonly kind: 'all' | 'any'; readonly children: readonly PlanNode[] }
  | { readonly kind: 'not'; readonly child: PlanNode }
  | {
      readonly kind: 'age';
      readonly atYear: number;
      readonly atMonth: number;
      readonly min: number;
      readonly max: number;
    }
  /** accept[sexCode] = 1 for the sexes asked for. */
  | { readonly kind: 'sex'; readonly accept: Uint8Array }
  /** accept[regionIndex] = 1; the unknown region (0xffff) is outside the table. */
  | { readonly kind: 'region'; readonly accept: Uint8Array }
  | {
      readonly kind: 'event';
      readonly system: number;
      readonly table: Uint8Array;
      readonly fromDay: number;
      readonly toDay: number;
      /** Dataset index, or -1 for any dataset. */
      readonly dataset: number;
      readonly atLeast: number;
    };

export interface CohortPlan {
  readonly people: PeopleColumns;
  readonly events: EventColumns;
  readonly root: PlanNode;
}

const FALSE: PlanNode = { kind: 'const', value: false };
const TRUE: PlanNode = { kind: 'const', value: true };
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export function compileCohortPlan(
  criteria: CriteriaRequest,
  people: PeopleColumns,
  events: EventColumns,
  /**
   * Every dataset criteria may name (the run's): a name outside it is a mistake (400 naming its
   * path), not a question whose answer is 0. Omitted: names are not checked.
   */
  knownDatasets?: readonly string[],
): CohortPlan {
  if (events.personOffsets.length !== people.count + 1) {
    throw new CohortlinkError(
      'CL_INTERNAL',
      `event columns index ${events.personOffsets.length - 1} people but there are ${people.count}`,
    );
  }
  if (knownDatasets !== undefined) checkDatasets(criteria.where, '$.where', new Set(knownDatasets));
  return { people, events, root: compileNode(criteria.where, people, events) };
}

function checkDatasets(c: Criterion, path: string, known: ReadonlySet<string>): void {
  if ('all' in c) for (const [i, x] of c.all.entries()) checkDatasets(x, `${path}.all[${i}]`, known);
  else if ('any' in c) for (const [i, x] of c.any.entries()) checkDatasets(x, `${path}.any[${i}]`, known);
  else if ('not' in c) checkDatasets(c.not, `${path}.not`, known);
  else if ('event' in c && c.event.dataset !== undefined && !known.has(c.event.dataset))
    throw new CohortlinkError('CL_USAGE', 'the cohort criteria name a dataset the run does not hold', [
      { path: `${path}.event.dataset`, message: `no dataset of this run is named so (it has ${known.size})` },
    ]);
}

function compileNode(c: Criterion, people: PeopleColumns, events: EventColumns): PlanNode {
  const sub = (x: Criterion): PlanNode => compileNode(x, people, events);
  if ('all' in c) return combine('all', c.all.map(sub));
  if ('any' in c) return combine('any', c.any.map(sub));
  if ('not' in c) {
    const child = compileNode(c.not, people, events);
    return child.kind === 'const' ? (child.value ? FALSE : TRUE) : { kind: 'not', child };
  }
  if ('age' in c) {
    const { year, month } = isoYearMonth(c.age.at);
    return { kind: 'age', atYear: year, atMonth: month, min: c.age.min ?? 0, max: c.age.max ?? 1_000 };
  }
  if ('sex' in c) {
    const accept = new Uint8Array(SEXES.length);
    for (const s of c.sex) accept[SEXES.indexOf(s)] = 1;
    return { kind: 'sex', accept };
  }
  if ('region' in c) {
    const wanted = new Set(c.region);
    const accept = new Uint8Array(people.regions.length);
    let any = false;
    people.regions.forEach((r, i) => {
      if (wanted.has(r)) {
        accept[i] = 1;
        any = true;
      }
    });
    return any ? { kind: 'region', accept } : FALSE;
  }
  const e = c.event;
  let dataset = -1;
  if (e.dataset !== undefined) {
    dataset = events.datasets.indexOf(e.dataset);
    if (dataset < 0) return FALSE;
  }
  const { table, matched } = resolveCodes(
    events.codes,
    e.codes.map((p) => parseCodePattern(e.system, p)),
  );
  if (matched === 0) return FALSE;
  return {
    kind: 'event',
    system: CODE_SYSTEMS.indexOf(e.system),
    table,
    fromDay: e.from === undefined ? INT32_MIN : isoToDay(e.from),
    toDay: e.to === undefined ? INT32_MAX : isoToDay(e.to),
    dataset,
    atLeast: e.atLeast ?? 1,
  };
}

/** Folds constants out of all / any and orders the rest cheapest first: evaluation narrows the
 * people an `all` still has to look at (and an `any` still has to find), so demographic tests
 * run before event scans and the scans skip everyone already decided. */
function combine(kind: 'all' | 'any', parts: PlanNode[]): PlanNode {
  const absorbing = kind === 'any';
  if (parts.some((p) => p.kind === 'const' && p.value === absorbing)) return absorbing ? TRUE : FALSE;
  const rest = parts.filter((p) => p.kind !== 'const');
  if (rest.length === 0) return absorbing ? FALSE : TRUE;
  if (rest.length === 1) return rest[0]!;
  rest.sort((a, b) => cost(a) - cost(b));
  return { kind, children: rest };
}

/** Relative cost: one pass over people for a demographic test, over events for an event test. */
export function cost(n: PlanNode): number {
  switch (n.kind) {
    case 'const':
      return 0;
    case 'all':
    case 'any':
      return n.children.reduce((s, c) => s + cost(c), 0);
    case 'not':
      return cost(n.child);
    case 'event':
      return 10;
    default:
      return 1;
  }
}
