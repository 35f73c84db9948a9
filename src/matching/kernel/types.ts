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
}
