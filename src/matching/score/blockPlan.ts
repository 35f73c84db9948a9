/**
 * Cuts the block-wise work into tasks of about equal cost. The work is the sequence of units
 * (pass p, block b, left members [m0, m1)) in order of p, then b, then member; a task is a range
 * of that sequence between two cuts, so a plan is a few numbers per task whatever the number of
 * blocks. A unit's cost is its pairs plus a charge per gathered member and per block (gathering
 * a filter is a random read of 128 bytes, worth a few comparisons). A block costing more than a
 * task's share is cut between left members, so one huge block still spreads over the threads.
 */
import type { BlockIndex, BlockPass } from '../../blocking/types.js';
import { SCORE_DEFAULTS } from './types.js';

/** A position in the unit sequence: the first left member `member` of block `block` of pass `pass`. */
export interface BlockCut {
  readonly pass: number;
  readonly block: number;
  readonly member: number;
}

export interface BlockPlan {
  /** Task t covers the units from cuts[t] (inclusive) to cuts[t + 1] (exclusive). */
  readonly cuts: readonly BlockCut[];
  /** Estimated cost of each task, for progress. */
  readonly work: Float64Array;
  readonly totalWork: number;
}

/** Cost of gathering one member, and of starting one block, in comparisons (see blockScorer). */
const MEMBER_COST = 4;
const BLOCK_COST = 16;

export function blockCount(pass: BlockPass): number {
  return pass.rightOffsets.length - 1;
}

/** Members of block b on each side; under self-linking both are the block's records. */
export function blockSides(pass: BlockPass, b: number): { nLeft: number; nRight: number } {
  return {
    nLeft: pass.leftOffsets[b + 1]! - pass.leftOffsets[b]!,
    nRight: pass.rightOffsets[b + 1]! - pass.rightOffsets[b]!,
  };
}

/** Pairs left member m of a block puts forward: all right members, or (self-linking) those after it. */
function memberPairs(selfLink: boolean, m: number, nRight: number): number {
  return selfLink ? nRight - 1 - m : nRight;
}

function blockCost(selfLink: boolean, nLeft: number, nRight: number): number {
  if (nLeft === 0 || nRight === 0 || (selfLink && nRight < 2)) return 0;
  const pairs = selfLink ? (nRight * (nRight - 1)) / 2 : nLeft * nRight;
  return pairs + MEMBER_COST * (nLeft + nRight) + BLOCK_COST;
}

/** `tasks` overrides the count chosen from the work. */
export function planBlockTasks(index: BlockIndex, tasks?: number): BlockPlan {
  const { passes, selfLink } = index;
  let total = 0;
  for (const pass of passes)
    for (let b = 0; b < blockCount(pass); b++) {
      const { nLeft, nRight } = blockSides(pass, b);
      total += blockCost(selfLink, nLeft, nRight);
    }
  const want =
    tasks !== undefined && tasks >= 1
      ? Math.floor(tasks)
      : Math.min(SCORE_DEFAULTS.maxTasks, Math.ceil(total / SCORE_DEFAULTS.minTaskWork));
  const count = Math.max(1, want);
  const share = total / count;
  const cuts: BlockCut[] = [{ pass: 0, block: 0, member: 0 }];
  const work: number[] = [];
  let done = 0;
  let taskStart = 0;
  const cut = (pass: number, block: number, member: number): void => {
    cuts.push({ pass, block, member });
    work.push(done - taskStart);
    taskStart = done;
  };
  // Each task ends at the first unit boundary where the work so far reaches its share.
  const due = (): boolean => cuts.length < count && done >= cuts.length * share;
  for (let p = 0; p < passes.length; p++) {
    const pass = passes[p]!;
    const blocks = blockCount(pass);
    for (let b = 0; b < blocks; b++) {
      const { nLeft, nRight } = blockSides(pass, b);
      const cost = blockCost(selfLink, nLeft, nRight);
      if (cost === 0) continue;
      if (cost <= share || nLeft === 1) {
        done += cost;
        if (due()) cut(p, b + 1, 0);
        continue;
      }
      done += BLOCK_COST + MEMBER_COST * nRight;
      for (let m = 0; m < nLeft; m++) {
        done += memberPairs(selfLink, m, nRight) + MEMBER_COST;
        if (due()) cut(p, b, m + 1);
      }
    }
  }
  // The last cut may have fallen on the last unit: end that task there rather than add an empty one.
  if (cuts.length > 1 && done === taskStart)
    cuts[cuts.length - 1] = { pass: passes.length, block: 0, member: 0 };
  else cut(passes.length, 0, 0);
  return { cuts, work: Float64Array.from(work), totalWork: total };
}
