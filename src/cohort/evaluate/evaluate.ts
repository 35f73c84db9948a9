import type { EventColumns, PeopleColumns } from '../people.js';
import type { CohortPlan, PlanNode } from './plan.js';

/**
 * Evaluates a plan into one byte per person. Each node returns a mask that is 0 outside the
 * `scope` it was given (null = everyone); `all` passes each child the survivors of the previous
 * one and `any` passes only the people not yet found, so an event scan visits only the people
 * still undecided and stops at a person's n-th matching event. Per person the work is typed-array
 * reads; no objects are made per person or per event. Masks are bytes rather than bits: 1 MB per
 * node for a million people, and byte loads keep the inner loops branch-light.
 */

export interface CohortSelection {
  /** 1 = meets the criteria and is neither deceased nor opted out. */
  readonly eligible: Uint8Array;
  readonly eligibleCount: number;
  /** 1 = met the criteria, before exclusions. */
  readonly matched: Uint8Array;
  /** Met the criteria before exclusions. */
  readonly matchedCount: number;
  /** Raw counts of people who met the criteria but were excluded, per reason. A person both
   * deceased and opted out counts under both; disclosure control is applied elsewhere. */
  readonly excluded: { readonly deceased: number; readonly optedOut: number };
}

export function evaluateCohortPlan(plan: CohortPlan): CohortSelection {
  const { people } = plan;
  const matched = evalNode(plan.root, null, people, plan.events);
  const eligible = new Uint8Array(people.count);
  const { deceased, optedOut } = people;
  let matchedCount = 0;
  let eligibleCount = 0;
  let excludedDeceased = 0;
  let excludedOptedOut = 0;
  for (let p = 0; p < people.count; p++) {
    if (matched[p] === 0) continue;
    matchedCount++;
    const d = deceased[p]!;
    const o = optedOut[p]!;
    excludedDeceased += d;
    excludedOptedOut += o;
    if ((d | o) === 0) {
      eligible[p] = 1;
      eligibleCount++;
    }
  }
  return {
    eligible,
    eligibleCount,
    matched,
    matchedCount,
    excluded: { deceased: excludedDeceased, optedOut: excludedOptedOut },
  };
}

function evalNode(
  node: PlanNode,
  scope: Uint8Array | null,
  people: PeopleColumns,
  events: EventColumns,
): Uint8Array {
  const n = people.count;
  switch (node.kind) {
    case 'const': {
      const out = new Uint8Array(n);
      if (node.value) {
        if (scope === null) out.fill(1);
        else out.set(scope);
      }
      return out;
    }
    case 'all': {
      let running = scope;
      for (const child of node.children) running = evalNode(child, running, people, events);
      return running!;
    }
    case 'any': {
      const out = new Uint8Array(n);
      const remaining = new Uint8Array(n);
      if (scope === null) remaining.fill(1);
      else remaining.set(scope);
      for (const child of node.children) {
        const found = evalNode(child, remaining, people, events);
        for (let p = 0; p < n; p++) {
          if (found[p] === 1) {
            out[p] = 1;
            remaining[p] = 0;
          }
        }
      }
      return out;
    }
    case 'not': {
      const inner = evalNode(node.child, scope, people, events);
      const out = new Uint8Array(n);
      for (let p = 0; p < n; p++) out[p] = (scope === null ? 1 : scope[p]!) & (inner[p]! ^ 1);
      return out;
    }
    case 'age':
      return evalAge(node, scope, people);
    case 'sex': {
      const out = new Uint8Array(n);
      const { sex } = people;
      const accept = node.accept;
      for (let p = 0; p < n; p++) out[p] = (scope === null ? 1 : scope[p]!) & (accept[sex[p]!] ?? 0);
      return out;
    }
    case 'region': {
      const out = new Uint8Array(n);
      const { region } = people;
      const accept = node.accept;
      // Unknown (0xffff) and out-of-range indices read undefined and so never match.
      for (let p = 0; p < n; p++) out[p] = (scope === null ? 1 : scope[p]!) & (accept[region[p]!] ?? 0);
      return out;
    }
    case 'event':
      return evalEvent(node, scope, people.count, events);
  }
}

/**
 * Completed years at the index date. Birth dates are known to the month only, so a birthday is
 * taken to fall on the 1st of the birth month; with the month unknown, on 1 July (half the
 * people born that year are older, half younger). An unknown birth year matches no age range.
 */
function evalAge(
  node: Extract<PlanNode, { kind: 'age' }>,
  scope: Uint8Array | null,
  people: PeopleColumns,
): Uint8Array {
  const n = people.count;
  const out = new Uint8Array(n);
  const { birthYear, birthMonth } = people;
  const { atYear, atMonth, min, max } = node;
  for (let p = 0; p < n; p++) {
    if (scope !== null && scope[p] === 0) continue;
    const by = birthYear[p]!;
    if (by === 0) continue;
    const bm = birthMonth[p] || 7;
    const age = atYear - by - (atMonth < bm ? 1 : 0);
    if (age >= min && age <= max) out[p] = 1;
  }
  return out;
}

function evalEvent(
  node: Extract<PlanNode, { kind: 'event' }>,
  scope: Uint8Array | null,
  n: number,
  events: EventColumns,
): Uint8Array {
  const out = new Uint8Array(n);
  const { personOffsets, system, code, day, dataset } = events;
  const { table, fromDay, toDay, atLeast } = node;
  const sys = node.system;
  const ds = node.dataset;
  for (let p = 0; p < n; p++) {
    if (scope !== null && scope[p] === 0) continue;
    let seen = 0;
    const end = personOffsets[p + 1]!;
    for (let e = personOffsets[p]!; e < end; e++) {
      // Code table first: it rejects almost every event, and is one byte load.
      if (table[code[e]!] === 0 || system[e] !== sys) continue;
      const d = day[e]!;
      if (d < fromDay || d > toDay || (ds >= 0 && dataset[e] !== ds)) continue;
      if (++seen >= atLeast) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}
