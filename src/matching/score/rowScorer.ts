/**
 * Scores a range of left rows against their blocking partners, on one thread. For each row it
 * walks the row's block in every pass, keeps each right record once (a `lastSeen` mark per
 * right record instead of a set: one Int32 store per visit, no allocation), drops pairs the
 * popcount bound excludes before they cost a kernel call, and hands the surviving partners to
 * the pair-list kernel in batches of whole rows (top-k ranks a row within one call).
 */
import type { BlockIndex } from '../../blocking/types.js';
import type { CandidateBuffer } from '../kernel/candidateBuffer.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { type ThresholdPlan, thresholdPlan } from '../kernel/thresholdPlan.js';
import type { DiceKernel } from '../kernel/types.js';
import { SCORE_DEFAULTS } from './types.js';

export interface RowStats {
  candidatePairs: number;
  comparisons: number;
}

export class RowScorer {
  private readonly plan: ThresholdPlan;
  /** lastSeen[j] = the last left row that met right record j (−1: none yet). */
  private readonly lastSeen: Int32Array;
  private rows: Uint32Array;
  private offsets: Uint32Array;
  private list: Uint32Array;
  private readonly options: { topK?: number };

  constructor(
    private readonly index: BlockIndex,
    private readonly left: FilterStore,
    private readonly right: FilterStore,
    private readonly kernel: DiceKernel,
    private readonly floor: number,
    topK: number | undefined,
  ) {
    this.plan = thresholdPlan(floor, left.bits);
    this.lastSeen = new Int32Array(index.rightCount).fill(-1);
    const batch = SCORE_DEFAULTS.batchEntries;
    this.rows = new Uint32Array(batch);
    this.offsets = new Uint32Array(batch + 1);
    this.list = new Uint32Array(batch);
    this.options = topK === undefined ? {} : { topK };
  }

  /**
   * Appends the kept pairs of left rows [start, end) to `out`, in row order, and adds to
   * `stats`. Rows must not be scored twice by one scorer (`lastSeen` marks by row number).
   */
  scoreRows(start: number, end: number, out: CandidateBuffer, stats: RowStats): void {
    const { passes, selfLink } = this.index;
    const leftPop = this.left.popcounts;
    const rightPop = this.right.popcounts;
    const { lo: loOf, hi: hiOf } = this.plan;
    const lastSeen = this.lastSeen;
    let nSeg = 0;
    let nList = 0;
    let candidatePairs = 0;
    for (let i = start; i < end; i++) {
      const pa = leftPop[i]!;
      const lo = loOf[pa]!;
      const hi = hiOf[pa]!;
      // With lo > hi nothing can reach the floor; the partners are still counted as candidates.
      const span = lo <= hi ? hi - lo : -1;
      const rowStart = nList;
      for (let p = 0; p < passes.length; p++) {
        const pass = passes[p]!;
        const b = pass.leftBlock[i]!;
        if (b < 0) continue;
        const members = pass.rightMembers;
        let m = pass.rightOffsets[b]!;
        const mEnd = pass.rightOffsets[b + 1]!;
        // Members are in ascending order, so under self-linking the j ≤ i part is skipped whole.
        if (selfLink) m = firstAbove(members, m, mEnd, i);
        if (nList + (mEnd - m) > this.list.length) this.list = grow(this.list, nList + (mEnd - m), nList);
        const list = this.list;
        for (; m < mEnd; m++) {
          const j = members[m]!;
          if (lastSeen[j] === i) continue;
          lastSeen[j] = i;
          candidatePairs++;
          if ((rightPop[j]! - lo) >>> 0 > span) continue; // unsigned: also drops everything when span = −1
          list[nList++] = j;
        }
      }
      if (nList > rowStart) {
        this.rows[nSeg] = i;
        this.offsets[++nSeg] = nList;
        if (nList >= SCORE_DEFAULTS.batchEntries || nSeg === this.rows.length) {
          stats.comparisons += this.flush(nSeg, out);
          nSeg = 0;
          nList = 0;
        }
      }
    }
    stats.comparisons += this.flush(nSeg, out);
    stats.candidatePairs += candidatePairs;
  }

  private flush(segments: number, out: CandidateBuffer): number {
    if (segments === 0) return 0;
    const batch = { rows: this.rows, offsets: this.offsets, segments, list: this.list };
    return this.kernel.compareLists(this.left, this.right, batch, this.floor, out, this.options);
  }
}

/** First position in [from, to) of an ascending run whose value exceeds x. */
function firstAbove(a: Uint32Array, from: number, to: number, x: number): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function grow(a: Uint32Array, atLeast: number, keep: number): Uint32Array {
  const b = new Uint32Array(Math.max(atLeast, 2 * a.length));
  b.set(a.subarray(0, keep));
  return b;
}
