/**
 * Candidate pairs as parallel typed arrays (anonlink's layout): no object per pair, and the
 * arrays hand over to a worker or a solver as they are. Capacity doubles when full, so a run
 * allocates O(log pairs) times, never once per pair.
 */
import { CohortlinkError } from '../../errors.js';
import { KERNEL_LIMITS } from './limits.js';

export class CandidateBuffer {
  /** Valid entries are [0, length); the arrays may be longer. */
  aIndex: Uint32Array;
  bIndex: Uint32Array;
  /** Float64 so a score equal to the threshold is not rounded below it. */
  score: Float64Array;
  length = 0;
  private readonly maxCapacity: number;

  constructor(
    initialCapacity: number = KERNEL_LIMITS.initialCandidateCapacity,
    maxCapacity: number = KERNEL_LIMITS.maxCandidateCapacity,
  ) {
    this.maxCapacity = clampCapacity(maxCapacity, KERNEL_LIMITS.maxCandidateCapacity);
    const cap = clampCapacity(initialCapacity, this.maxCapacity);
    this.aIndex = new Uint32Array(cap);
    this.bIndex = new Uint32Array(cap);
    this.score = new Float64Array(cap);
  }

  get capacity(): number {
    return this.aIndex.length;
  }

  push(a: number, b: number, score: number): void {
    if (this.length === this.aIndex.length) this.reserve(this.length + 1);
    const n = this.length++;
    this.aIndex[n] = a;
    this.bIndex[n] = b;
    this.score[n] = score;
  }

  /** Makes room for at least `total` entries (doubling, up to the maximum capacity). */
  reserve(total: number): void {
    if (total <= this.aIndex.length) return;
    if (total > this.maxCapacity)
      throw new CohortlinkError(
        'CL_USAGE',
        `more than ${this.maxCapacity} candidate pairs; raise the threshold, block more finely or use top-k`,
      );
    let cap = Math.max(1, this.aIndex.length);
    while (cap < total) cap *= 2;
    cap = Math.min(cap, this.maxCapacity);
    this.aIndex = grow(this.aIndex, new Uint32Array(cap), this.length);
    this.bIndex = grow(this.bIndex, new Uint32Array(cap), this.length);
    this.score = grow(this.score, new Float64Array(cap), this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

function grow<T extends Uint32Array | Float64Array>(from: T, to: T, length: number): T {
  to.set(from.subarray(0, length));
  return to;
}

function clampCapacity(n: number, max: number): number {
  if (!Number.isFinite(n) || n < 1) return 1;
  return Math.min(Math.floor(n), max);
}
