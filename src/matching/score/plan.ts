/**
 * Cuts the left rows into tasks of about equal work, not equal row counts: a row's work is
 * estimated as the right records its blocks hold over all passes (before deduplication), plus
 * one for the row itself, so a run with a few huge blocks still spreads over the threads.
 */
import type { BlockIndex } from '../../blocking/types.js';
import { SCORE_DEFAULTS } from './types.js';

export interface TaskPlan {
  /** Task t covers left rows [bounds[t], bounds[t + 1]). */
  readonly bounds: Uint32Array;
  /** Estimated partner visits of the whole run. */
  readonly work: number;
}

export function rowWork(index: BlockIndex, i: number): number {
  let w = 1;
  for (const pass of index.passes) {
    const b = pass.leftBlock[i]!;
    if (b >= 0) w += pass.rightOffsets[b + 1]! - pass.rightOffsets[b]!;
  }
  return w;
}

/** `tasks` overrides the count chosen from the work (still at most one per row). */
export function planTasks(index: BlockIndex, tasks?: number): TaskPlan {
  const n = index.leftCount;
  let work = 0;
  for (let i = 0; i < n; i++) work += rowWork(index, i);
  const want =
    tasks !== undefined && tasks >= 1
      ? Math.floor(tasks)
      : Math.min(SCORE_DEFAULTS.maxTasks, Math.ceil(work / SCORE_DEFAULTS.minTaskWork));
  const count = Math.max(n === 0 ? 0 : 1, Math.min(want, n));
  const bounds = new Uint32Array(count + 1);
  // Row i ends task t once the work so far reaches t+1 shares; the rows' order is kept.
  let t = 0;
  let done = 0;
  for (let i = 0; i < n && t < count - 1; i++) {
    done += rowWork(index, i);
    if (done >= ((t + 1) * work) / count) bounds[++t] = i + 1;
  }
  // Fewer cuts than planned happen when one row carries several shares; drop the empty tail.
  const used = t + 1;
  const out = bounds.subarray(0, used + 1);
  out[used] = n;
  return { bounds: count === 0 ? new Uint32Array([0]) : out, work };
}
