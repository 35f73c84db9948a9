/** The scoring stage's contract: options (with their defaults in one place), progress and result. */
import type { CandidateBuffer } from '../kernel/candidateBuffer.js';

export interface ScoreProgress {
  /** Pairs compared so far (they passed the popcount bound). */
  readonly comparisonsDone: number;
  /** Not known ahead: comparisons are counted only once blocking partners are deduplicated. */
  readonly comparisonsPlanned?: number;
  /**
   * Progress in left rows: a task is a run of blocks rather than of rows, so this is the share
   * of the estimated work done, scaled to rowsTotal (and exactly rowsTotal at the end).
   */
  readonly rowsDone: number;
  readonly rowsTotal: number;
}

export interface ScoreOptions {
  /**
   * Worker threads to score on: 0 scores on this thread (small inputs, tests). Tasks of one run
   * never occupy more threads than this; clamped to the shared pool's size (the machine's cores).
   * A run whose work makes a single task (under SCORE_DEFAULTS.minTaskWork) stays on this
   * thread: starting a thread would cost more than the work.
   */
  readonly workers?: number;
  /** Keep only the k best right records of each left row (best first). */
  readonly topK?: number;
  readonly onProgress?: (p: ScoreProgress) => void;
  /** Aborting rejects the run with CL_CANCELLED; tasks not yet started never start. */
  readonly signal?: AbortSignal;
}

export interface ScoreStats {
  /** Distinct (left, right) pairs the blocking passes generated (only j > i when self-linking). */
  readonly candidatePairs: number;
  /** Of those, the pairs the popcount bound let through, i.e. that were scored. */
  readonly comparisons: number;
  /** Pairs in the result: Dice ≥ floor (and within the top k when asked). */
  readonly kept: number;
}

export interface ScoreResult {
  /**
   * Pairs in left-row order; within a row by right row or, with top-k, best first (ties: lower
   * right row). The same whatever the number of workers.
   */
  readonly candidates: CandidateBuffer;
  readonly stats: ScoreStats;
}

export const SCORE_DEFAULTS = {
  workers: 0,
  /** Tasks per run: enough to balance two threads and report progress often. */
  maxTasks: 128,
  /** Least estimated work (comparisons, see blockPlan.ts) per task, so small runs are not cut into crumbs. */
  minTaskWork: 200_000,
  /**
   * Block-wise: gather big blocks' right members in popcount order so the popcount window skips
   * pairs. Off: on the 1M × 1M hospital × spine link (real CLKs, keyed blocks of 2–1000 records)
   * the bound excludes 0.04 % of pairs even at floor 0.8, and sorting cost 3–5 % more CPU at
   * floors 0.5 and 0.8 (in-process: 7.8 vs 8.1 CPU s, 4.0 vs 4.1 CPU s).
   */
  sortByPopcount: false,
  /**
   * Largest top-k table (k slots of 8 bytes per left row, in the shared WASM memory); past it
   * the rows' k best of each pass come back from the tasks and are merged at the end. 1M rows
   * at k = 8 take 68 MB.
   */
  topKTableMaxBytes: 256 * 2 ** 20,
} as const;
