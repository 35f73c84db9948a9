/**
 * Overlap control: a requester never sees two independently rounded cells whose people differ
 * by 1 to 7. Differencing such a pair, over many different bases, averages the rounding away
 * (docs/disclosure-control.md, "Overlap control"). So each cell of a new answer is compared,
 * as a set of people, with every cell this requester has already been shown on the run and with
 * the earlier cells of the same answer: if some earlier *fresh* cell (one published from its own
 * count) differs from it by at most suppressBelow − 1 people, the new cell is shown exactly as
 * that cell was; otherwise it is published fresh.
 *
 * Why copy rather than refuse: a refusal that happens when two cells differ by 1–7 and not
 * when they are identical answers "is anyone in this small group?", the question suppression
 * exists to hide (two queries: "X" then "X or the target if he has condition C"). A copy looks
 * the same whether the difference is 0 or 7, so the decision itself tells nothing finer than
 * "<8". Copies are made only from fresh cells, so a chain of small steps cannot drift a figure
 * away from its own count: a shown figure is at most 7 people plus one rounding band off.
 */
import { CohortlinkError } from '../../errors.js';
import { andNot, packMask, popcount32 } from './bitset.js';
import type { PublishedCell } from './cell.js';
import { type CellLayout, CellMasks, type CellSpec } from './cellLayout.js';
import { DEFAULT_POLICY, type DisclosurePolicy } from './policy.js';

/** The new query's people, one byte a person, as the evaluator gives them. */
export interface QuerySets {
  /** YYYY-MM-DD: the date age bands are computed at. */
  readonly indexDate: string;
  /** 1 = met the criteria and is not excluded. */
  readonly eligible: Uint8Array;
  /** 1 = met the criteria before exclusions (every eligible person is matched). */
  readonly matched: Uint8Array;
}

/** One cell of an answer already given, as kept in the query ledger. */
export interface AnsweredCell {
  readonly path: string;
  readonly cellId: string;
  /** The true count (never published; used to skip comparisons that cannot be near). */
  readonly count: number;
  /** Published from its own count. Only fresh cells are copied from; range ends never are. */
  readonly fresh: boolean;
  readonly shown: PublishedCell;
}

/** An answer already given to this requester on this run, oldest first in a history. */
export interface AnsweredQuery {
  readonly id: string;
  readonly indexDate: string;
  readonly eligible: Uint32Array;
  /** Matched but excluded (the exclusion cells' base is eligible ∪ excluded). */
  readonly excluded: Uint32Array;
  readonly cells: readonly AnsweredCell[];
}

export type CopySource =
  /** A cell of an earlier answer: shown exactly as it was then. */
  | { readonly queryId: string; readonly path: string; readonly shown: PublishedCell }
  /** An earlier, fresh cell of this same answer (e.g. a region holding all but 3 of the total). */
  | { readonly queryId: null; readonly path: string };

export interface PlannedCell {
  readonly path: string;
  readonly cellId: string;
  readonly count: number;
  /** Undefined: publish from its own count. */
  readonly copyOf?: CopySource;
}

export interface AnswerPlan {
  readonly indexDate: string;
  /** People in the run (the layout's). */
  readonly people: number;
  readonly eligible: Uint32Array;
  readonly excluded: Uint32Array;
  /** Every cell in a fixed order: total, byRegion, byAgeBand, bySex (names sorted), excluded. */
  readonly cells: readonly PlannedCell[];
}

interface PersonSets {
  readonly eligible: Uint32Array;
  readonly excluded: Uint32Array;
}

/**
 * Decides, for every cell of a new answer, whether it is published fresh or shown as an earlier
 * cell. Pure: the same sets, history and layout give the same plan. `history` is this
 * requester's earlier answers on the same run, oldest first (the ledger's order); the caller
 * must plan, publish and record in one synchronous transaction so that two concurrent requests
 * cannot both be planned against a history that lacks the other.
 */
export function planAnswer(
  query: QuerySets,
  history: readonly AnsweredQuery[],
  layout: CellLayout,
  policy: DisclosurePolicy = DEFAULT_POLICY,
): AnswerPlan {
  if (query.eligible.length !== layout.people || query.matched.length !== layout.people)
    throw new CohortlinkError('CL_INTERNAL', 'query sets and cell layout disagree on the number of people');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(query.indexDate))
    throw new CohortlinkError('CL_INTERNAL', 'the index date is not YYYY-MM-DD');
  const limit = policy.suppressBelow - 1;
  const masks = CellMasks.of(layout);
  const eligible = packMask(query.eligible);
  const matched = packMask(query.matched);
  if (andNot(eligible, matched).some((w) => w !== 0))
    throw new CohortlinkError('CL_INTERNAL', 'an eligible person is not among the matched');
  const self: PersonSets = { eligible, excluded: andNot(matched, eligible) };

  const pool = freshCellsByCount(history);
  const freshHere: { readonly spec: CellSpec; readonly count: number }[] = [];

  const cells = masks.cells(query.indexDate).map((spec): PlannedCell => {
    const count = countCell(spec, self);
    const planned = { path: spec.path, cellId: spec.cellId, count };
    // |Δ| ≥ |difference of counts|, so only cells with counts within the limit can be near.
    const near = (n: number) => Math.abs(n - count) <= limit;
    // The same cell of an earlier answer first, so asking again gives the same figures; then the
    // rest in answer order. The order depends only on ids and history, never on the data, so
    // which cell is copied says no more than "within 7 of that one".
    const ordered = countWindow(pool, count - limit, count + limit).sort(
      (a, b) => Number(b.c.cellId === spec.cellId) - Number(a.c.cellId === spec.cellId) || a.order - b.order,
    );
    for (const { q, c } of ordered) {
      const other = masks.cell(c.path, q.indexDate);
      if (other !== undefined && symmetricDifferenceAtMost(spec, self, other, q, limit))
        return { ...planned, copyOf: { queryId: q.id, path: c.path, shown: c.shown } };
    }
    for (const f of freshHere)
      if (near(f.count) && symmetricDifferenceAtMost(spec, self, f.spec, self, limit))
        return { ...planned, copyOf: { queryId: null, path: f.spec.path } };
    freshHere.push({ spec, count });
    return planned;
  });
  return { indexDate: query.indexDate, people: layout.people, eligible, excluded: self.excluded, cells };
}

interface Candidate {
  readonly q: AnsweredQuery;
  readonly c: AnsweredCell;
  /** Position in answer order (oldest answer first, cells in their fixed order). */
  readonly order: number;
}

/** Every fresh cell already shown, sorted by count so a ±limit window is two binary searches. */
function freshCellsByCount(history: readonly AnsweredQuery[]): Candidate[] {
  const pool: Candidate[] = [];
  for (const q of history) for (const c of q.cells) if (c.fresh) pool.push({ q, c, order: pool.length });
  return pool.sort((a, b) => a.c.count - b.c.count || a.order - b.order);
}

function countWindow(pool: readonly Candidate[], lo: number, hi: number): Candidate[] {
  const first = (n: number) => {
    let a = 0;
    let b = pool.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (pool[m]!.c.count < n) a = m + 1;
      else b = m;
    }
    return a;
  };
  return pool.slice(first(lo), first(hi + 1));
}

/** Word w of a cell's bits over one query's sets (missing words are empty). */
function cellWord(spec: CellSpec, sets: PersonSets, w: number): number {
  let base = sets.eligible[w] ?? 0;
  if (spec.base === 'matched') base |= sets.excluded[w] ?? 0;
  return spec.mask === undefined ? base : base & (spec.mask[w] ?? 0);
}

function countCell(spec: CellSpec, sets: PersonSets): number {
  let n = 0;
  for (let w = 0; w < sets.eligible.length; w++) n += popcount32(cellWord(spec, sets, w));
  return n;
}

/**
 * |A Δ B| ≤ limit, stopping as soon as it is exceeded: unrelated cells of similar size differ
 * within the first few words, so only near-identical cells cost a full pass.
 */
function symmetricDifferenceAtMost(
  a: CellSpec,
  aSets: PersonSets,
  b: CellSpec,
  bSets: PersonSets,
  limit: number,
): boolean {
  const words = Math.max(aSets.eligible.length, bSets.eligible.length);
  let d = 0;
  for (let w = 0; w < words; w++) {
    const x = cellWord(a, aSets, w) ^ cellWord(b, bSets, w);
    if (x !== 0) {
      d += popcount32(x);
      if (d > limit) return false;
    }
  }
  return true;
}
