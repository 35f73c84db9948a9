/**
 * Feasibility's linkage range for one-to-one and many-to-one runs, counted rather than
 * estimated: the run's links at the floor (`links-floor.csv`) filtered at threshold t − margin
 * and t + margin are the links those thresholds would have accepted (greedy links at the floor
 * restricted to score ≥ t are the solution at t; see runLink's `filterLinks`). Each gives an
 * alternative grouping of the run's records into people, which is joined with the same
 * attributes and events and evaluated with the same criteria. The groupings' ids are cluster
 * numbers, used only inside the service (never shown, never written).
 *
 * Dedup and multi-party runs cluster from candidates, which runs do not keep; their range stays
 * the estimate of runCohort.ts (`method: 'estimated'`).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import {
  type JoinedCohort,
  type JoinInput,
  joinThroughKeys,
  type KeysByDataset,
} from '../../cohort/attributes/index.js';
import type { CriteriaRequest } from '../../cohort/criteria/index.js';
import { compileCohortPlan, evaluateCohortPlan } from '../../cohort/evaluate/index.js';
import { CohortlinkError } from '../../errors.js';
import { clustersFromLinks, clustersFromManyToOne } from '../../matching/link/clusters.js';
import { filterLinks } from '../../matching/link/runLink.js';
import type { Links } from '../../matching/solve/types.js';

export type BipartiteMode = 'one-to-one' | 'many-to-one';

/** One side of a bipartite run: its name (as in the join inputs) and refs in record order. */
export interface RunSide {
  readonly name: string;
  readonly refs: readonly string[];
}

/**
 * Links from a bipartite links CSV (`left_ref,right_ref,score`) as record positions. A ref the
 * run's keys do not know means the files disagree: an error, not a silent gap.
 */
export function parseFloorLinks(text: string, left: RunSide, right: RunSide): Links {
  const leftAt = new Map(left.refs.map((r, i) => [r, i]));
  const rightAt = new Map(right.refs.map((r, i) => [r, i]));
  const lines = text.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== 'left_ref,right_ref,score')
    throw new CohortlinkError('CL_CSV_HEADER', 'floor links must have the header left_ref,right_ref,score');
  const l: number[] = [];
  const r: number[] = [];
  const s: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line === '') continue;
    let row: string[];
    if (line.includes('"')) row = (parse(line) as string[][])[0] ?? [];
    else row = line.split(',');
    const i = leftAt.get(row[0] ?? '');
    const j = rightAt.get(row[1] ?? '');
    const score = Number(row[2]);
    if (row.length !== 3 || i === undefined || j === undefined || !Number.isFinite(score))
      throw new CohortlinkError(
        'CL_CSV_MALFORMED',
        `floor links line ${n + 1} does not match the run's keys`,
      );
    l.push(i);
    r.push(j);
    s.push(score);
  }
  const rightLinked = new Set(r).size;
  return {
    left: Uint32Array.from(l),
    right: Uint32Array.from(r),
    score: Float64Array.from(s),
    length: l.length,
    candidatesConsidered: l.length,
    rightLinked,
    leftUnlinked: left.refs.length - l.length,
    rightUnlinked: right.refs.length - rightLinked,
  };
}

/** dataset name → ref → person id, for the grouping the run would have made at threshold t. */
export function regroupAt(
  floor: Links,
  mode: BipartiteMode,
  t: number,
  left: RunSide,
  right: RunSide,
): KeysByDataset {
  const links = filterLinks(floor, t);
  const cluster = mode === 'many-to-one' ? clustersFromManyToOne : clustersFromLinks;
  const { clusterOf } = cluster(links, left.refs.length, right.refs.length);
  const ids = (side: RunSide, of: Int32Array) =>
    new Map(side.refs.map((ref, r) => [ref, `c${String(of[r]!).padStart(10, '0')}`]));
  return new Map([
    [left.name, ids(left, clusterOf[0]!)],
    [right.name, ids(right, clusterOf[1]!)],
  ]);
}

/** The people of the run at each of `thresholds`, joined with the same attributes and events. */
export function alternativeCohorts(
  floor: Links,
  mode: BipartiteMode,
  thresholds: readonly number[],
  left: RunSide,
  right: RunSide,
  inputs: readonly JoinInput[],
  /** Applied to each grouping's people (the run's exclusions, through that grouping's keys). */
  adjust: (joined: JoinedCohort, keys: KeysByDataset) => JoinedCohort = (j) => j,
): JoinedCohort[] {
  return thresholds.map((t) => {
    const keys = regroupAt(floor, mode, t, left, right);
    return adjust(joinThroughKeys(keys, inputs), keys);
  });
}

/** Reads a run's floor links file for `alternativeCohorts`. */
export function readFloorLinks(path: string, left: RunSide, right: RunSide): Links {
  return parseFloorLinks(readFileSync(path, 'utf8'), left, right);
}

/** Eligible count of the same criteria over each alternative grouping. */
export function alternativeTotals(
  alternatives: readonly JoinedCohort[],
  criteria: CriteriaRequest,
): number[] {
  return alternatives.map(
    (c) => evaluateCohortPlan(compileCohortPlan(criteria, c.people, c.events)).eligibleCount,
  );
}
