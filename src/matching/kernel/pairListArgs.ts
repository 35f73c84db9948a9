/** Argument checks of the pair-list form, run once per call. B rows are checked as they are read. */
import { CohortlinkError } from '../../errors.js';
import type { FilterStore } from './filterStore.js';
import { checkThreshold } from './thresholdPlan.js';
import type { CompareOptions, PairListBatch } from './types.js';

export function checkListArgs(
  A: FilterStore,
  B: FilterStore,
  batch: PairListBatch,
  threshold: number,
  options: CompareOptions | undefined,
): void {
  if (A.bits !== B.bits)
    throw new CohortlinkError('CL_USAGE', `cannot compare ${A.bits}-bit filters with ${B.bits}-bit filters`);
  checkThreshold(threshold);
  const { rows, offsets, segments, list } = batch;
  if (!Number.isInteger(segments) || segments < 0 || segments > rows.length || segments + 1 > offsets.length)
    throw new CohortlinkError(
      'CL_USAGE',
      `${segments} segments need at least that many rows and one more offset (have ${rows.length}, ${offsets.length})`,
    );
  if (segments === 0) return;
  for (let s = 0; s < segments; s++) {
    if (rows[s]! >= A.count)
      throw new CohortlinkError('CL_USAGE', `segment ${s}: A row ${rows[s]} is outside 0..${A.count - 1}`);
    // Top-k ranks each A row's pairs as they stream past; a row met again later would be
    // ranked twice, so rows must come in order.
    if (options?.topK !== undefined && s > 0 && rows[s]! < rows[s - 1]!)
      throw new CohortlinkError(
        'CL_USAGE',
        `segment ${s}: top-k needs segments in A row order (${rows[s]} after ${rows[s - 1]})`,
      );
    if (offsets[s + 1]! < offsets[s]!)
      throw new CohortlinkError(
        'CL_USAGE',
        `segment ${s}: offsets decrease (${offsets[s]} > ${offsets[s + 1]})`,
      );
  }
  if (offsets[segments]! > list.length)
    throw new CohortlinkError(
      'CL_USAGE',
      `offsets reach ${offsets[segments]}, past the list's ${list.length}`,
    );
}

/** Thrown by a kernel that meets a B row outside the store while reading the list. */
export function badListEntry(at: number, j: number, count: number): CohortlinkError {
  return new CohortlinkError('CL_USAGE', `list[${at}] = ${j} is outside B rows 0..${count - 1}`);
}

/** Entries the batch lists: top-k never needs a heap larger than this. */
export function listedPairs(batch: PairListBatch): number {
  return batch.segments === 0 ? 0 : batch.offsets[batch.segments]! - batch.offsets[0]!;
}
