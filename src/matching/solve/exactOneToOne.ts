/**
 * Greedy one-to-one linkage over EVERY candidate at or above the threshold, when scoring kept
 * only each left row's k best. Greedy over the truncated set can differ: a record whose true
 * partner ranks below its k best loses it even when every better partner goes to someone else.
 * Here the rows whose cut may matter are scored again with a larger k (`widen`), and greedy runs
 * again, until no cut matters; the result is then exactly greedy over all candidates.
 *
 * Why it is exact. C is every candidate pair at or above the threshold, T ⊆ C the pairs held
 * (each left row's list), σ greedy's order (score descending, then lower left, then lower right),
 * G(X) greedy over X, M = G(T). A row a whose list was cut (it holds as many pairs as it was cut
 * to, so it may have more) has frontier f_a, its lowest held score: every pair of C missing from
 * T is a cut row's, and scores at most that row's frontier, since a list is the row's k best.
 * Call a settled when its list was not cut, when f_a is below the threshold (nothing it misses
 * counts), or when M links a at a score s_a > f_a.
 *
 *   Claim: if every row is settled, G(C) = M.
 *   Walk G(C) and G(T) together along σ. G(T) is G(C) with the pairs of C \ T skipped, so at a
 *   pair of T both runs are in the same state and decide alike; the runs can first part at a
 *   pair p = (a, b) of C \ T that G(C) takes, with a still free in the shared state before p.
 *   But p ∈ C \ T means a's list was cut and p scores ≤ f_a; a being settled, M holds a link
 *   q = (a, b') ∈ T scoring s_a > f_a ≥ score(p), so q comes before p in σ; up to p the runs
 *   agree, G(T) took q (it is in M), hence so did G(C), and a is not free. So the runs never
 *   part, and G(C) = G(T) = M.                                                              ∎
 *
 * An unsettled row is therefore cut, with f_a at or above the threshold, and unlinked or linked
 * at exactly f_a (a tie with the pairs it may miss). Each round scores all unsettled rows again
 * with k = topK · 4^round (every candidate at or above the threshold once that passes maxTopK),
 * replaces their lists, and solves again: a row settled before may lose its link to a widened
 * row and be widened in turn. It ends: a row's k at least quadruples whenever it is widened, and
 * once k passes maxTopK a widened list holds every candidate and is never cut again, so each
 * round after that point completes a row for good. Nothing relies on how the scorer breaks ties
 * between equal scores, only on each list holding its row's k best.
 *
 * Cost. The given candidates are put in solver order once (order.ts, most of a solve's time);
 * a round sorts only the widened rows' lists and walks both orders merged, skipping the given
 * lists of widened rows. Only widened rows grow, to at most every candidate of theirs; with
 * nothing unsettled the result is the given candidates as they are, and one solve. Factor 4 per
 * round rather than 2: each round also costs a walk over every pair and a look at the block
 * index, and on FEBRL4 / NCVR (all pairs, floor 0.5) a few rows need hundreds of candidates.
 */
import { CohortlinkError } from '../../errors.js';
import { collectLinks } from './bipartite.js';
import { type OrderedCandidates, orderCandidates } from './order.js';
import type { BipartiteOptions, CandidateArrays, Links } from './types.js';

export interface ExactOneToOneOptions extends BipartiteOptions {
  /** The k each left row's list was cut to (a row holding k pairs may have more). */
  readonly topK: number;
  /** Largest k `widen` is asked for; past it, rows are widened to all their candidates. */
  readonly maxTopK: number;
  /**
   * The candidates of `rows` (ascending left rows) with each row's k best kept (every candidate
   * at or above the threshold when k is undefined), grouped by ascending left row, from the
   * same candidates as the first scoring.
   */
  readonly widen: (rows: Uint32Array, k: number | undefined) => Promise<CandidateArrays>;
}

export interface RequeryStats {
  /** Rounds of widening (0: the top-k cut lost nothing). */
  readonly rounds: number;
  /** Distinct left rows scored again. */
  readonly rows: number;
  /** Candidates in the final set beyond those given. */
  readonly pairsAdded: number;
  /** Time spent widening and solving again, after the first solve. */
  readonly seconds: number;
}

export interface ExactOneToOneResult {
  /** Greedy one-to-one over every candidate at or above the threshold. */
  readonly links: Links;
  /** The candidates given, the widened rows' lists in place of theirs, grouped by ascending left row. */
  readonly candidates: CandidateArrays;
  readonly requery: RequeryStats;
}

/** Growth of k per round. */
const GROWTH = 4;
/** cutAt of a row whose list holds all its candidates. */
const UNCUT = 0;

/**
 * `candidates`: each left row's k best (k = options.topK), grouped by ascending left row
 * (scoreCandidates' output). They are not modified.
 */
export async function exactOneToOne(
  candidates: CandidateArrays,
  options: ExactOneToOneOptions,
): Promise<ExactOneToOneResult> {
  const { leftCount, rightCount, threshold, topK, maxTopK } = options;
  if (!(Number.isInteger(topK) && topK >= 1 && Number.isInteger(maxTopK) && maxTopK >= topK))
    throw new CohortlinkError('CL_INTERNAL', `exactOneToOne: topK ${topK} and maxTopK ${maxTopK}`);
  const base = orderCandidates(candidates, threshold, leftCount, rightCount);
  const lists = new RowLists(leftCount, topK);
  lists.update(candidates);
  let links = greedy(base, undefined, undefined, options);
  let unsettled = lists.unsettled(links, options);
  if (unsettled.length === 0)
    return { links, candidates, requery: { rounds: 0, rows: 0, pairsAdded: 0, seconds: 0 } };

  const t0 = performance.now();
  const widened = new Uint8Array(leftCount);
  let extra: CandidateArrays = {
    aIndex: new Uint32Array(0),
    bIndex: new Uint32Array(0),
    score: new Float64Array(0),
    length: 0,
  };
  let rounds = 0;
  let rows = 0;
  while (unsettled.length > 0) {
    rounds++;
    const want = topK * GROWTH ** rounds;
    const k = want <= maxTopK ? want : undefined;
    const fresh = await options.widen(unsettled, k);
    const now = new Uint8Array(leftCount);
    for (const a of unsettled) {
      now[a] = 1;
      rows += 1 - widened[a]!;
      widened[a] = 1;
    }
    extra = replaceRows(extra, now, fresh);
    lists.update(fresh, { rows: unsettled, k: k ?? UNCUT });
    links = greedy(base, widened, orderCandidates(extra, threshold, leftCount, rightCount), options);
    unsettled = lists.unsettled(links, options);
  }
  const all = replaceRows(candidates, widened, extra);
  return {
    links,
    candidates: all,
    requery: {
      rounds,
      rows,
      pairsAdded: all.length - candidates.length,
      seconds: (performance.now() - t0) / 1000,
    },
  };
}

/** Per left row: the k its list was cut to, how many pairs it holds, and its lowest score. */
class RowLists {
  private readonly cutAt: Uint32Array;
  private readonly held: Uint32Array;
  private readonly frontier: Float64Array;

  constructor(leftCount: number, topK: number) {
    this.cutAt = new Uint32Array(leftCount).fill(topK);
    this.held = new Uint32Array(leftCount);
    this.frontier = new Float64Array(leftCount);
  }

  /** Takes the lists in `c` (grouped by ascending row), of `widened` rows cut at a new k (UNCUT: not cut). */
  update(c: CandidateArrays, widened?: { readonly rows: Uint32Array; readonly k: number }): void {
    if (widened !== undefined)
      for (const a of widened.rows) {
        this.cutAt[a] = widened.k;
        this.held[a] = 0;
      }
    const { aIndex, score } = c;
    for (let i = 0; i < c.length; ) {
      const a = aIndex[i]!;
      let low = score[i]!;
      let j = i + 1;
      for (; j < c.length && aIndex[j] === a; j++) if (score[j]! < low) low = score[j]!;
      if (j < c.length && aIndex[j]! < a) notGrouped(j, aIndex[j]!, a);
      this.held[a] = j - i;
      this.frontier[a] = low;
      i = j;
    }
  }

  /** The rows, ascending, whose cut may hide a pair greedy would take (see the proof above). */
  unsettled(links: Links, o: BipartiteOptions): Uint32Array {
    const out: number[] = [];
    const { cutAt, held, frontier } = this;
    for (let a = 0, l = 0; a < cutAt.length; a++) {
      const cut = cutAt[a]!;
      // Not cut: fewer than k held, or k takes every right record.
      if (cut === UNCUT || held[a]! < cut || cut >= o.rightCount || frontier[a]! < o.threshold) continue;
      while (l < links.length && links.left[l]! < a) l++;
      const linkedAbove = l < links.length && links.left[l] === a && links.score[l]! > frontier[a]!;
      if (!linkedAbove) out.push(a);
    }
    return Uint32Array.from(out);
  }
}

/**
 * Greedy one-to-one (bipartite.ts oneToOne, the same links and counts) over `base` without the
 * rows marked in `dropped`, merged with `extra`; both in solver order, no pair in both.
 */
function greedy(
  base: OrderedCandidates,
  dropped: Uint8Array | undefined,
  extra: OrderedCandidates | undefined,
  o: BipartiteOptions,
): Links {
  const { leftCount, rightCount } = o;
  const rightOf = new Int32Array(leftCount).fill(-1);
  const scoreOf = new Float64Array(leftCount);
  const rightTaken = new Uint8Array(rightCount);
  const most = Math.min(leftCount, rightCount);
  const nx = extra?.length ?? 0;
  let considered = base.length + nx;
  if (dropped !== undefined) for (let i = 0; i < base.length; i++) considered -= dropped[base.a[i]!]!;
  let links = 0;
  for (let i = 0, j = 0; links < most; ) {
    while (dropped !== undefined && i < base.length && dropped[base.a[i]!] === 1) i++;
    let a: number;
    let b: number;
    let s: number;
    if (i < base.length && (j === nx || before(base, i, extra!, j))) {
      a = base.a[i]!;
      b = base.b[i]!;
      s = base.values[base.rank[i++]!]!;
    } else if (j < nx) {
      a = extra!.a[j]!;
      b = extra!.b[j]!;
      s = extra!.values[extra!.rank[j++]!]!;
    } else break;
    if (rightOf[a] !== -1 || rightTaken[b] === 1) continue;
    rightOf[a] = b;
    scoreOf[a] = s;
    rightTaken[b] = 1;
    links++;
  }
  return collectLinks(rightOf, scoreOf, links, considered, links, rightCount);
}

/** Whether entry i of x comes before entry j of y in solver order (score down, then a, then b). */
function before(x: OrderedCandidates, i: number, y: OrderedCandidates, j: number): boolean {
  const sx = x.values[x.rank[i]!]!;
  const sy = y.values[y.rank[j]!]!;
  if (sx !== sy) return sx > sy;
  return x.a[i] !== y.a[j] ? x.a[i]! < y.a[j]! : x.b[i]! < y.b[j]!;
}

/** `c` with the lists of the rows marked in `replaced` swapped for theirs in `fresh`; both grouped by ascending row. */
function replaceRows(c: CandidateArrays, replaced: Uint8Array, fresh: CandidateArrays): CandidateArrays {
  for (let j = 0; j < fresh.length; j++) {
    const a = fresh.aIndex[j]!;
    if (replaced[a] !== 1)
      throw new CohortlinkError('CL_INTERNAL', `exactOneToOne: widening returned row ${a}, not asked for`);
    if (j > 0 && a < fresh.aIndex[j - 1]!) notGrouped(j, a, fresh.aIndex[j - 1]!);
  }
  let n = fresh.length;
  for (let i = 0; i < c.length; i++) n += 1 - replaced[c.aIndex[i]!]!;
  const aIndex = new Uint32Array(n);
  const bIndex = new Uint32Array(n);
  const score = new Float64Array(n);
  let m = 0;
  let j = 0;
  const take = (from: CandidateArrays, i: number): void => {
    aIndex[m] = from.aIndex[i]!;
    bIndex[m] = from.bIndex[i]!;
    score[m++] = from.score[i]!;
  };
  for (let i = 0; i < c.length; i++) {
    const a = c.aIndex[i]!;
    if (replaced[a] === 1) continue;
    while (j < fresh.length && fresh.aIndex[j]! < a) take(fresh, j++);
    take(c, i);
  }
  while (j < fresh.length) take(fresh, j++);
  return { aIndex, bIndex, score, length: n };
}

function notGrouped(at: number, row: number, after: number): never {
  throw new CohortlinkError(
    'CL_INTERNAL',
    `exactOneToOne: candidates must be grouped by ascending left row (row ${row} at ${at} follows row ${after})`,
  );
}
