/** The contract all three Dice kernels implement, so callers and tests can swap them. */
import type { CandidateBuffer } from './candidateBuffer.js';
import type { FilterStore } from './filterStore.js';
import type { StoreAllocator } from './storeAllocator.js';

export type KernelName = 'wasm' | 'ts' | 'reference';

export interface CompareOptions {
  /**
   * Keep only the k best pairs of each A row (highest Dice; equal scores keep the lower B
   * index), written best first. Clamped to KERNEL_LIMITS.maxTopK; k < 1 is refused.
   */
  readonly topK?: number;
}

/**
 * Segments of a pair-list comparison: segment s compares A row rows[s] with the B rows
 * list[offsets[s] .. offsets[s + 1]). The arrays may be longer than used (reused buffers).
 */
export interface PairListBatch {
  readonly rows: Uint32Array;
  /** At least segments + 1 entries, non-decreasing, the last at most list.length. */
  readonly offsets: Uint32Array;
  readonly segments: number;
  /** B rows in any order; a repeated row is compared (and reported) again. */
  readonly list: Uint32Array;
}

export interface DiceKernel {
  readonly name: KernelName;
  /** Where to allocate stores so that this kernel reads them in place (no copy per call). */
  readonly allocator: StoreAllocator;
  /**
   * Appends to `out` every pair (i in [aStart, aEnd) of A, j in [bStart, bEnd) of B) with
   * Dice ≥ threshold, as store indices, in order of i then j (top-k: i, then best first).
   * Returns the comparisons made: pairs that passed the popcount bound. The result is the same
   * in every kernel; a B range sorted by popcount is scanned by window instead of pair by pair.
   */
  compare(
    A: FilterStore,
    aStart: number,
    aEnd: number,
    B: FilterStore,
    bStart: number,
    bEnd: number,
    threshold: number,
    out: CandidateBuffer,
    options?: CompareOptions,
  ): number;

  /**
   * The pair-list form, for partners found by blocking rather than a contiguous range: appends
   * every pair of the batch with Dice ≥ threshold, in segment order then list order (top-k: the
   * k best of each A row, best first; segments must then be in A row order). Returns the
   * comparisons made: pairs that passed the popcount bound. The result is the same in every
   * kernel. The WASM kernel reads stores in its arena in place and copies others in per call.
   */
  compareLists(
    A: FilterStore,
    B: FilterStore,
    batch: PairListBatch,
    threshold: number,
    out: CandidateBuffer,
    options?: CompareOptions,
  ): number;
}
