/** Argument checks shared by the kernels, run once per call (never per pair). */
import { CohortlinkError } from '../../errors.js';
import type { FilterStore } from './filterStore.js';
import { KERNEL_LIMITS } from './limits.js';
import { checkThreshold } from './thresholdPlan.js';
import type { CompareOptions } from './types.js';

export function checkCompareArgs(
  A: FilterStore,
  aStart: number,
  aEnd: number,
  B: FilterStore,
  bStart: number,
  bEnd: number,
  threshold: number,
): void {
  checkSameBits(A, B);
  checkRange('A', aStart, aEnd, A.count);
  checkRange('B', bStart, bEnd, B.count);
  checkThreshold(threshold);
}

/** Filters of different lengths cannot be compared: refused before anything reads them. */
export function checkSameBits(A: FilterStore, B: FilterStore): void {
  if (A.bits !== B.bits)
    throw new CohortlinkError('CL_USAGE', `cannot compare ${A.bits}-bit filters with ${B.bits}-bit filters`);
}

function checkRange(name: string, start: number, end: number, count: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > count)
    throw new CohortlinkError('CL_USAGE', `${name} range [${start}, ${end}) is not within 0..${count}`);
}

/**
 * k for top-k, or 0 for "keep every pair". An absurd k (1e12, Infinity) is clamped to the
 * limit and to the B range, so the per-row heap is never larger than the pairs it can hold.
 */
export function topKOf(options: CompareOptions | undefined, bCount: number): number {
  const k = options?.topK;
  if (k === undefined) return 0;
  if (typeof k !== 'number' || !(k >= 1) || (Number.isFinite(k) && !Number.isInteger(k)))
    throw new CohortlinkError('CL_USAGE', `topK ${k} must be a whole number of at least 1`);
  return Math.max(1, Math.min(k, KERNEL_LIMITS.maxTopK, bCount));
}
