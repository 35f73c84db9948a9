/**
 * The plain TypeScript Dice kernel: the fallback where WebAssembly is unavailable, and a second
 * fast implementation to test the WASM one against. Works on any store (plain, shared or in the
 * WASM arena) without copying.
 */
import type { CandidateBuffer } from './candidateBuffer.js';
import type { FilterStore } from './filterStore.js';
import { KERNEL_TUNING } from './limits.js';
import { popcountTable16 } from './popcount.js';
import { firstPopAtLeast, isSortedByPopcount } from './popcountOrder.js';
import { plainAllocator } from './storeAllocator.js';
import { dice, thresholdPlan } from './thresholdPlan.js';
import { TopKSelector } from './topK.js';
import { rowScanFor } from './tsRowScan.js';
import type { CompareOptions, DiceKernel } from './types.js';
import { checkCompareArgs, topKOf } from './validate.js';

// Staging for one row segment, reused by every call (compare is synchronous and not reentrant).
const SEGMENT = KERNEL_TUNING.tsSegmentLength;
const stageJ = new Uint32Array(SEGMENT);
const stageC = new Uint32Array(SEGMENT);
const state = new Uint32Array(1);

export const tsKernel: DiceKernel = {
  name: 'ts',
  allocator: plainAllocator,
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
  ): number {
    checkCompareArgs(A, aStart, aEnd, B, bStart, bEnd, threshold);
    const k = topKOf(options, bEnd - bStart);
    if (aStart === aEnd || bStart === bEnd) return 0;
    const plan = thresholdPlan(threshold, A.bits);
    const selector = k > 0 ? new TopKSelector(k) : undefined;
    const sorted = isSortedByPopcount(B, bStart, bEnd);
    const scan = rowScanFor(A.wordsPerFilter);
    const table = popcountTable16();
    const w = A.wordsPerFilter;
    const bPop = B.popcounts;
    let compared = 0;
    for (let i = aStart; i < aEnd; i++) {
      const pa = A.popcounts[i]!;
      const lo = plan.lo[pa]!;
      const hi = plan.hi[pa]!;
      if (lo > hi) continue; // this row can reach the threshold with nothing
      let j = sorted ? firstPopAtLeast(bPop, bStart, bEnd, lo) : bStart;
      const jEnd = sorted ? firstPopAtLeast(bPop, j, bEnd, hi + 1) : bEnd;
      while (j < jEnd) {
        const segEnd = Math.min(jEnd, j + SEGMENT);
        const n = scan(
          A.words,
          i * w,
          B.words,
          bPop,
          j,
          segEnd,
          lo,
          hi - lo,
          plan.need,
          pa,
          table,
          stageJ,
          stageC,
          state,
        );
        compared += state[0]!;
        if (selector === undefined) out.reserve(out.length + n);
        for (let m = 0; m < n; m++) {
          const jm = stageJ[m]!;
          const score = dice(stageC[m]!, pa + bPop[jm]!);
          if (selector !== undefined) selector.offer(i, jm, score, out);
          else {
            out.aIndex[out.length] = i;
            out.bIndex[out.length] = jm;
            out.score[out.length++] = score;
          }
        }
        j = segEnd;
      }
    }
    selector?.finish(out);
    return compared;
  },
};
