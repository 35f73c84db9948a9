/**
 * The WASM side of the pair-list form (see wasm/pairListWat.mjs), owned by a WasmDiceKernel and
 * sharing its arena: segments and list entries go to WASM in calls of at most
 * KERNEL_TUNING.pairsPerCall entries (a row longer than that is split over calls, which the
 * top-k selector does not notice since it spans the whole batch), and the staged
 * {i, j, common} triples are scored with the same `dice` as the reference.
 */
import type { CandidateBuffer } from './candidateBuffer.js';
import type { FilterStore } from './filterStore.js';
import { KERNEL_TUNING } from './limits.js';
import { badListEntry, checkListArgs, listedPairs } from './pairListArgs.js';
import { dice, type ThresholdPlan, thresholdPlan } from './thresholdPlan.js';
import { TopKSelector } from './topK.js';
import type { CompareOptions, PairListBatch } from './types.js';
import { topKOf } from './validate.js';
import { instantiatePairList, type PairListExports } from './wasm/pairListModule.js';
import { WasmArena } from './wasmArena.js';
import { Scratch } from './wasmScratch.js';

const SEGMENT_BYTES = 16;
const TRIPLE_BYTES = 12;

interface Placed {
  readonly words: number;
  readonly pops: number;
}

export class WasmPairLister {
  private readonly wasm: PairListExports;
  private readonly segments: Scratch;
  private readonly list: Scratch;
  private readonly staging: Scratch;
  private readonly need: Scratch;
  private readonly copyA: Scratch;
  private readonly copyB: Scratch;
  private loadedNeed: { plan: ThresholdPlan; ptr: number } | undefined;

  constructor(private readonly arena: WasmArena) {
    this.wasm = instantiatePairList(arena.memory);
    this.segments = new Scratch(arena);
    this.list = new Scratch(arena);
    this.staging = new Scratch(arena);
    this.need = new Scratch(arena);
    this.copyA = new Scratch(arena);
    this.copyB = new Scratch(arena);
  }

  compareLists(
    A: FilterStore,
    B: FilterStore,
    batch: PairListBatch,
    threshold: number,
    out: CandidateBuffer,
    options?: CompareOptions,
  ): number {
    checkListArgs(A, B, batch, threshold, options);
    const k = topKOf(options, listedPairs(batch));
    if (batch.segments === 0) return 0;
    const plan = thresholdPlan(threshold, A.bits);
    const a = this.place(A, this.copyA);
    const b = this.place(B, this.copyB);
    const needPtr = this.loadNeed(plan);
    const segPtr = this.segments.ensure(KERNEL_TUNING.segmentsPerCall * SEGMENT_BYTES);
    const listPtr = this.list.ensure(KERNEL_TUNING.pairsPerCall * 4);
    const stagePtr = this.staging.ensure(KERNEL_TUNING.pairsPerCall * TRIPLE_BYTES);
    const kernel = this.wasm.kernelFor(A.bits / 64);
    const selector = k > 0 ? new TopKSelector(k) : undefined;
    const { rows, offsets, list } = batch;
    const bCount = B.count;
    const outStart = out.length;

    let mem = this.arena.memory.buffer;
    let seg = new Int32Array(mem, segPtr, KERNEL_TUNING.segmentsPerCall * 4);
    let wlist = new Uint32Array(mem, listPtr, KERNEL_TUNING.pairsPerCall);
    let nSeg = 0;
    let pending = 0;
    let compared = 0;
    const flush = (): void => {
      if (nSeg === 0) return;
      const n = kernel(
        a.words,
        a.pops,
        b.words,
        b.pops,
        segPtr,
        segPtr + nSeg * SEGMENT_BYTES,
        listPtr,
        needPtr,
        stagePtr,
        A.bytesPerFilter,
      );
      compared += this.wasm.compared.value;
      this.drain(n, stagePtr, A, B, out, selector);
      nSeg = 0;
      pending = 0;
      // Another thread may have grown the shared memory; views made before stay valid, but
      // refreshing keeps this obviously right at the cost of two small objects per call.
      mem = this.arena.memory.buffer;
      seg = new Int32Array(mem, segPtr, KERNEL_TUNING.segmentsPerCall * 4);
      wlist = new Uint32Array(mem, listPtr, KERNEL_TUNING.pairsPerCall);
    };

    try {
      for (let s = 0; s < batch.segments; s++) {
        const i = rows[s]!;
        const pa = A.popcounts[i]!;
        const lo = plan.lo[pa]!;
        const hi = plan.hi[pa]!;
        let o = offsets[s]!;
        const oEnd = offsets[s + 1]!;
        if (lo > hi) {
          // No B row can bring this row to the threshold: nothing to compare, but the rows are
          // still checked, so a bad list fails the same way whatever the A row.
          for (; o < oEnd; o++) if (list[o]! >= bCount) throw badListEntry(o, list[o]!, bCount);
          continue;
        }
        while (o < oEnd) {
          const take = Math.min(oEnd - o, KERNEL_TUNING.pairsPerCall - pending);
          const q = nSeg * 4;
          seg[q] = i;
          seg[q + 1] = pending;
          for (let m = 0; m < take; m++) {
            // Checked here because WASM would read whatever lies past the store.
            const j = list[o + m]!;
            if (j >= bCount) throw badListEntry(o + m, j, bCount);
            wlist[pending + m] = j;
          }
          pending += take;
          seg[q + 2] = pending;
          seg[q + 3] = lo | (hi << 16);
          nSeg++;
          o += take;
          if (pending === KERNEL_TUNING.pairsPerCall || nSeg === KERNEL_TUNING.segmentsPerCall) flush();
        }
      }
      flush();
    } catch (e) {
      out.length = outStart; // all or nothing: a caller does not see half a batch
      throw e;
    }
    selector?.finish(out);
    return compared;
  }

  /** Turns staged {i, j, common} triples into scored candidates. */
  private drain(
    n: number,
    stagePtr: number,
    A: FilterStore,
    B: FilterStore,
    out: CandidateBuffer,
    selector: TopKSelector | undefined,
  ): void {
    if (n === 0) return;
    const staged = new Uint32Array(this.arena.memory.buffer, stagePtr, n * 3);
    const aPop = A.popcounts;
    const bPop = B.popcounts;
    if (selector === undefined) out.reserve(out.length + n);
    for (let m = 0; m < 3 * n; m += 3) {
      const i = staged[m]!;
      const j = staged[m + 1]!;
      const score = dice(staged[m + 2]!, aPop[i]! + bPop[j]!);
      if (selector !== undefined) selector.offer(i, j, score, out);
      else {
        out.aIndex[out.length] = i;
        out.bIndex[out.length] = j;
        out.score[out.length++] = score;
      }
    }
  }

  /**
   * Addresses of filter 0 of the store and of its popcounts. A store from another arena or
   * outside WASM is copied in whole (list entries reach anywhere in it): fine for tests and
   * small inputs, too slow per call for a run, which should allocate its stores in the arena.
   */
  private place(store: FilterStore, copy: Scratch): Placed {
    const alloc = store.allocator;
    if (alloc instanceof WasmArena && alloc.memory === this.arena.memory)
      return { words: store.byteOffset, pops: store.popcountsByteOffset };
    const filterBytes = store.count * store.bytesPerFilter;
    const ptr = copy.ensure(filterBytes + store.count * 2);
    const mem = this.arena.memory.buffer;
    new Uint8Array(mem, ptr, filterBytes).set(store.bytes);
    new Uint16Array(mem, ptr + filterBytes, store.count).set(store.popcounts);
    return { words: ptr, pops: ptr + filterBytes };
  }

  private loadNeed(plan: ThresholdPlan): number {
    const ptr = this.need.ensure(plan.need.byteLength);
    if (this.loadedNeed?.plan !== plan || this.loadedNeed.ptr !== ptr) {
      new Int32Array(this.arena.memory.buffer, ptr, plan.need.length).set(plan.need);
      this.loadedNeed = { plan, ptr };
    }
    return ptr;
  }
}
