/**
 * The slow, obviously correct Dice kernel the fast ones are tested against: popcounts and
 * common bits are counted bit by bit from the bytes (not from the store's popcount column), every
 * pair is scored, and the popcount bound is only counted, never used to skip. Top-k collects a
 * row's pairs and sorts them.
 */
import type { CandidateBuffer } from './candidateBuffer.js';
import type { FilterStore } from './filterStore.js';
import { plainAllocator } from './storeAllocator.js';
import { canReach, dice } from './thresholdPlan.js';
import type { CompareOptions, DiceKernel } from './types.js';
import { checkCompareArgs, topKOf } from './validate.js';

function bit(store: FilterStore, i: number, b: number): number {
  return (store.bytes[i * store.bytesPerFilter + (b >>> 3)]! >>> (b & 7)) & 1;
}

function bitsSet(store: FilterStore, i: number): number {
  let n = 0;
  for (let b = 0; b < store.bits; b++) n += bit(store, i, b);
  return n;
}

function commonBits(A: FilterStore, i: number, B: FilterStore, j: number): number {
  let n = 0;
  for (let b = 0; b < A.bits; b++) n += bit(A, i, b) & bit(B, j, b);
  return n;
}

export const referenceKernel: DiceKernel = {
  name: 'reference',
  allocator: plainAllocator,
  compare(
    A,
    aStart,
    aEnd,
    B,
    bStart,
    bEnd,
    threshold,
    out: CandidateBuffer,
    options?: CompareOptions,
  ): number {
    checkCompareArgs(A, aStart, aEnd, B, bStart, bEnd, threshold);
    const k = topKOf(options, bEnd - bStart);
    let compared = 0;
    for (let i = aStart; i < aEnd; i++) {
      const pa = bitsSet(A, i);
      const row: { j: number; score: number }[] = [];
      for (let j = bStart; j < bEnd; j++) {
        const pb = bitsSet(B, j);
        if (canReach(pa, pb, threshold)) compared++;
        const score = dice(commonBits(A, i, B, j), pa + pb);
        if (score >= threshold) row.push({ j, score });
      }
      if (k > 0) {
        row.sort((x, y) => y.score - x.score || x.j - y.j);
        row.length = Math.min(row.length, k);
      }
      for (const c of row) out.push(i, c.j, c.score);
    }
    return compared;
  },
};
