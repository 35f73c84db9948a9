/**
 * The WASM Dice kernel (64-bit i64.popcnt, A row in locals; see wasm/diceWat.mjs). This side
 * prepares the work in the kernel's memory and turns its output into candidates:
 *   - stores allocated in `kernel.arena` are read in place; others are copied in per call;
 *   - each A row becomes a segment of B to scan: the popcount window when B is sorted by
 *     popcount, else all of B with the bound tested per pair;
 *   - segments go to WASM in calls of at most KERNEL_TUNING.pairsPerCall pairs, which bounds
 *     the staging area and lets V8 tier up between calls;
 *   - staged {i, j, common} triples are scored with the same `dice` as the reference.
 */
import type { CandidateBuffer } from './candidateBuffer.js';
import type { FilterStore } from './filterStore.js';
import { KERNEL_TUNING } from './limits.js';
import { firstPopAtLeast, isSortedByPopcount } from './popcountOrder.js';
import { dice, type ThresholdPlan, thresholdPlan } from './thresholdPlan.js';
import { TopKSelector } from './topK.js';
import type { CompareOptions, DiceKernel } from './types.js';
import { checkCompareArgs, topKOf } from './validate.js';
import { type DiceExports, instantiateDice } from './wasm/diceModule.js';
import { WasmArena, type WasmArenaOptions } from './wasmArena.js';
import { Scratch } from './wasmScratch.js';

const SEGMENT_BYTES = 16;
const TRIPLE_BYTES = 12;

interface Placed {
  readonly words: number;
  readonly pops: number;
}

export class WasmDiceKernel implements DiceKernel {
  readonly name = 'wasm' as const;
  readonly arena: WasmArena;
  private readonly wasm: DiceExports;
  private readonly plan: Scratch;
  private readonly staging: Scratch;
  private readonly need: Scratch;
  private readonly copyA: Scratch;
  private readonly copyB: Scratch;
  /** The table last written to WASM memory, and where: skips rewriting it call after call. */
  private loadedNeed: { plan: ThresholdPlan; ptr: number } | undefined;

  constructor(options: WasmArenaOptions = {}) {
    this.arena = new WasmArena(options);
    this.wasm = instantiateDice(this.arena.memory);
    this.plan = new Scratch(this.arena);
    this.staging = new Scratch(this.arena);
    this.need = new Scratch(this.arena);
    this.copyA = new Scratch(this.arena);
    this.copyB = new Scratch(this.arena);
  }

  get allocator(): WasmArena {
    return this.arena;
  }

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
    const a = this.place(A, aStart, aEnd, this.copyA);
    const b = this.place(B, bStart, bEnd, this.copyB);
    const needPtr = this.loadNeed(plan);
    const planPtr = this.plan.ensure(KERNEL_TUNING.segmentsPerCall * SEGMENT_BYTES);
    const stagePtr = this.staging.ensure(KERNEL_TUNING.pairsPerCall * TRIPLE_BYTES);
    const kernel = this.wasm.kernelFor(A.bits / 64);
    const selector = k > 0 ? new TopKSelector(k) : undefined;
    const bPop = B.popcounts;
    const sorted = isSortedByPopcount(B, bStart, bEnd);

    let segments = new Int32Array(this.arena.memory.buffer, planPtr, KERNEL_TUNING.segmentsPerCall * 4);
    let nSegments = 0;
    let pending = 0;
    let compared = 0;
    const flush = (): void => {
      if (nSegments === 0) return;
      const end = planPtr + nSegments * SEGMENT_BYTES;
      const n = kernel(a.words, a.pops, b.words, b.pops, planPtr, end, needPtr, stagePtr, A.bytesPerFilter);
      compared += this.wasm.compared.value;
      this.drain(n, stagePtr, A, aStart, B, bStart, out, selector);
      nSegments = 0;
      pending = 0;
      // The memory does not grow during a call, but refreshing is cheap and keeps this obviously safe.
      segments = new Int32Array(this.arena.memory.buffer, planPtr, KERNEL_TUNING.segmentsPerCall * 4);
    };

    for (let i = aStart; i < aEnd; i++) {
      const pa = A.popcounts[i]!;
      const lo = plan.lo[pa]!;
      const hi = plan.hi[pa]!;
      if (lo > hi) continue; // no B filter can bring this row to the threshold
      let j = sorted ? firstPopAtLeast(bPop, bStart, bEnd, lo) : bStart;
      const jEnd = sorted ? firstPopAtLeast(bPop, j, bEnd, hi + 1) : bEnd;
      while (j < jEnd) {
        const take = Math.min(jEnd - j, KERNEL_TUNING.pairsPerCall - pending);
        const s = nSegments * 4;
        segments[s] = i - aStart;
        segments[s + 1] = j - bStart;
        segments[s + 2] = j + take - bStart;
        segments[s + 3] = lo | (hi << 16);
        nSegments++;
        pending += take;
        j += take;
        if (pending === KERNEL_TUNING.pairsPerCall || nSegments === KERNEL_TUNING.segmentsPerCall) flush();
      }
    }
    flush();
    selector?.finish(out);
    return compared;
  }

  /** Turns staged {i, j, common} triples into scored candidates. */
  private drain(
    n: number,
    stagePtr: number,
    A: FilterStore,
    aStart: number,
    B: FilterStore,
    bStart: number,
    out: CandidateBuffer,
    selector: TopKSelector | undefined,
  ): void {
    if (n === 0) return;
    const staged = new Uint32Array(this.arena.memory.buffer, stagePtr, n * 3);
    if (selector === undefined) out.reserve(out.length + n);
    for (let m = 0; m < n; m++) {
      const i = aStart + staged[3 * m]!;
      const j = bStart + staged[3 * m + 1]!;
      const score = dice(staged[3 * m + 2]!, A.popcounts[i]! + B.popcounts[j]!);
      if (selector !== undefined) selector.offer(i, j, score, out);
      else {
        out.aIndex[out.length] = i;
        out.bIndex[out.length] = j;
        out.score[out.length++] = score;
      }
    }
  }

  /** Addresses of filter `start` of the store and of its popcount, copying it in if it lives elsewhere. */
  private place(store: FilterStore, start: number, end: number, copy: Scratch): Placed {
    if (store.allocator === this.arena)
      return {
        words: store.byteOffset + start * store.bytesPerFilter,
        pops: store.popcountsByteOffset + start * 2,
      };
    const filterBytes = (end - start) * store.bytesPerFilter;
    const ptr = copy.ensure(filterBytes + (end - start) * 2);
    const mem = this.arena.memory.buffer;
    new Uint8Array(mem, ptr, filterBytes).set(
      store.bytes.subarray(start * store.bytesPerFilter, end * store.bytesPerFilter),
    );
    new Uint16Array(mem, ptr + filterBytes, end - start).set(store.popcounts.subarray(start, end));
    return { words: ptr, pops: ptr + filterBytes };
  }

  /** Writes the `need` table into WASM memory unless the last call used the same one. */
  private loadNeed(plan: ThresholdPlan): number {
    const ptr = this.need.ensure(plan.need.byteLength);
    if (this.loadedNeed?.plan !== plan || this.loadedNeed.ptr !== ptr) {
      new Int32Array(this.arena.memory.buffer, ptr, plan.need.length).set(plan.need);
      this.loadedNeed = { plan, ptr };
    }
    return ptr;
  }
}
