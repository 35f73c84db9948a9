/**
 * Block-wise scoring on one thread. Scoring row by row reads each partner's filter from a
 * random place in the right store (80–110 ns a pair, the cache misses dominating); here a block
 * is the unit instead: its right members are copied once into a contiguous scratch area of the
 * WASM memory, and every left member of the block is compared against that area with the range
 * kernel (A row in locals, B scanned in order: 5–8 ns a pair). Left rows are read in place from
 * the store, once per block and member: the kernel's segments name global left rows.
 *
 * Many small blocks share one kernel call (their right members are packed one after another in
 * the area), so a pass of a million one-by-one blocks does not pay a call per block.
 *
 * Exactly once: a pair (i, j) put forward by several passes is kept only in the first pass that
 * puts it forward. A pair met in pass p is dropped when some q < p has leftBlock_q[i] ≥ 0 and
 * leftBlock_q[i] = rightBlock_q[j]. The right members' block ids in earlier passes are gathered
 * with their filters, and each segment lists its row's earlier blocks, so the kernel tests each
 * pair with a few compares before scoring it, and counts the distinct pairs as it goes.
 *
 * Everything per pair happens inside the kernel (wasm/blockWat.mjs): exactly-once, counts, the
 * floor and, with top-k, each row's k best of the pass (a heap in WASM memory). This side only
 * gathers blocks, describes rows as segments and copies out what the kernel keeps: at floor 0.5
 * half of the blocked pairs reach the floor, and handling those here cost more than scoring.
 */
import type { BlockIndex, BlockPass } from '../../blocking/types.js';
import { CohortlinkError } from '../../errors.js';
import type { CandidateBuffer } from '../kernel/candidateBuffer.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { KERNEL_TUNING } from '../kernel/limits.js';
import { firstPopAtLeast } from '../kernel/popcountOrder.js';
import { dice, type ThresholdPlan, thresholdPlan } from '../kernel/thresholdPlan.js';
import {
  type BlockFunction,
  type DiceExports,
  type GatherFunction,
  instantiateDice,
} from '../kernel/wasm/diceModule.js';
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmArena } from '../kernel/wasmArena.js';
import { Scratch } from '../kernel/wasmScratch.js';
import type { BlockCut } from './blockPlan.js';
import type { TopKTableSpec } from './topKTable.js';

// Layouts shared with the kernel (wasm/blockWat.mjs, which documents them).
/** A segment is {i, jStart, jEnd, lo | hi << 16, flags | nq << 8} then nq {idsAddr, block} pairs. */
const SEGMENT_WORDS = 5;
/** Segment flags: the row's first and last segment. */
const FIRST = 1;
const LAST = 2;
/** A pair put out is {i, j, c, s}; a heap record is {c | s << 16, j}. */
const RECORD_BYTES = 16;
const HEAP_RECORD_BYTES = 8;
/** Filters the gathered area holds at first (512 KiB of 1024-bit filters); grows for bigger blocks. */
const INITIAL_GATHER = 4096;
/** Blocks with fewer right members are gathered in record order: a sort would cost more than it skips. */
const SORT_MIN = 16;
/** Up to this many members are insertion-sorted by popcount; more are counting-sorted. */
const INSERTION_MAX = 48;

/**
 * The WASM instance and scratch areas of one thread for one memory. Kept per memory (not per
 * run), so runs that share an arena reuse them: nothing in an arena is ever freed.
 */
class Workspace {
  readonly wasm: DiceExports;
  readonly segments: Scratch;
  readonly records: Scratch;
  readonly heap: Scratch;
  readonly need: Scratch;
  readonly filters: Scratch;
  readonly pops: Scratch;
  readonly rec: Scratch;
  readonly ids: Scratch;
  /** The `need` table last written to the memory, and where. */
  loadedNeed: { plan: ThresholdPlan; ptr: number } | undefined;

  constructor(readonly arena: WasmArena) {
    this.wasm = instantiateDice(arena.memory);
    this.segments = new Scratch(arena);
    this.records = new Scratch(arena);
    this.heap = new Scratch(arena);
    this.need = new Scratch(arena);
    this.filters = new Scratch(arena);
    this.pops = new Scratch(arena);
    this.rec = new Scratch(arena);
    this.ids = new Scratch(arena);
  }
}

const workspaces = new WeakMap<WasmMemory, Workspace>();

function workspaceFor(memory: WasmMemory): Workspace {
  let w = workspaces.get(memory);
  if (w === undefined) {
    w = new Workspace(new WasmArena({ memory }));
    workspaces.set(memory, w);
  }
  return w;
}

/** What a scorer adds up as it goes (see ScoreStats). */
export interface ScoreCounts {
  candidatePairs: number;
  comparisons: number;
}

export interface BlockScorerOptions {
  /**
   * Gather a block's right members in popcount order, so each left member scans only the
   * window of popcounts that can reach the floor. Not under self-linking (pairs j > i need the
   * record order).
   */
  readonly sortByPopcount: boolean;
  /**
   * Keep only the k best pairs of each left row within each pass (in no particular order). A
   * row meets each pass in one block, so its pairs of a pass arrive together; the run's k best
   * of a row are among its passes' k best, and the caller cuts the union to k.
   */
  readonly topK?: number | undefined;
  /**
   * With top-k: merge each row's k best of each pass into this table (topKTable.ts) instead of
   * appending them to the output; its k must be topK.
   */
  readonly table?: TopKTableSpec | undefined;
}

export class BlockScorer {
  private readonly ws: Workspace;
  private readonly plan: ThresholdPlan;
  private readonly kernel: BlockFunction;
  private readonly gatherFilters: GatherFunction;
  /** k of top-k, 0 for every pair at or above the floor. */
  private readonly k: number;
  private readonly tableRecords: number;
  private readonly tableState: number;
  private readonly sortBlocks: boolean;
  /** Gathered positions the areas hold (filters, popcounts, records, earlier-pass block ids). */
  private cap: number;
  /** Words of segment area: room for segmentsPerCall segments listing every earlier pass. */
  private readonly segWords: number;
  /** Sort scratch: member offsets in popcount order, and counting-sort counters. */
  private order: Uint32Array;
  private readonly popStarts: Uint32Array;
  /** The current row's earlier blocks as {idsAddr, block} pairs, and how many. */
  private readonly earlier: Int32Array;
  private nq = 0;

  // Views of the memory (made again by views()) and the state of the kernel call being assembled.
  private m32: Uint32Array;
  private i32: Int32Array;
  private gPop: Uint16Array;
  private segW = 0;
  private nSeg = 0;
  private pending = 0;
  /** Gathered positions in use; those below `placed` have their filters and popcounts copied. */
  private fill = 0;
  private placed = 0;
  private pass = -1;
  private prevRight: Int32Array[] = [];
  private prevLeft: Int32Array[] = [];
  private out: CandidateBuffer | undefined;
  private stats: ScoreCounts | undefined;

  constructor(
    private readonly index: BlockIndex,
    private readonly left: FilterStore,
    private readonly right: FilterStore,
    memory: WasmMemory,
    floor: number,
    options: BlockScorerOptions,
  ) {
    this.ws = workspaceFor(memory);
    this.plan = thresholdPlan(floor, left.bits);
    this.k = options.topK ?? 0;
    if (options.table !== undefined && options.table.k !== this.k)
      throw new CohortlinkError('CL_INTERNAL', `a top-${options.table.k} table for top-${this.k} scoring`);
    this.tableRecords = options.table?.records ?? 0;
    this.tableState = options.table?.state ?? 0;
    this.kernel = this.ws.wasm.blockKernelFor(left.bits / 64, this.k > 0);
    this.gatherFilters = this.ws.wasm.gatherFor(left.bits / 64);
    this.sortBlocks = options.sortByPopcount && !index.selfLink;
    this.cap = 0;
    const earlierPasses = Math.max(0, index.passes.length - 1);
    this.segWords = KERNEL_TUNING.segmentsPerCall * (SEGMENT_WORDS + 2 * earlierPasses);
    this.earlier = new Int32Array(2 * Math.max(1, earlierPasses));
    this.order = new Uint32Array(INITIAL_GATHER);
    this.popStarts = new Uint32Array(left.bits + 2);
    this.m32 = new Uint32Array(0);
    this.i32 = new Int32Array(0);
    this.gPop = new Uint16Array(0);
    this.reserveGather(INITIAL_GATHER);
  }

  /**
   * Appends the kept pairs of the units in [from, to) to `out` (in no particular order: the
   * caller orders them by row; with top-k, each row's k best of each pass, or nothing when they
   * go to the table) and adds the distinct candidate pairs and comparisons to `stats`.
   */
  scoreUnits(from: BlockCut, to: BlockCut, out: CandidateBuffer, stats: ScoreCounts): void {
    this.out = out;
    this.stats = stats;
    this.views();
    this.pass = -1;
    this.fill = 0;
    this.placed = 0;
    this.segW = 0;
    this.nSeg = 0;
    this.pending = 0;
    const { passes } = this.index;
    try {
      for (let p = from.pass; p < passes.length && p <= to.pass; p++) {
        const pass = passes[p]!;
        const blocks = pass.rightOffsets.length - 1;
        for (let b = p === from.pass ? from.block : 0; b < blocks; b++) {
          if (p === to.pass && (b > to.block || (b === to.block && to.member === 0))) break;
          const nLeft = pass.leftOffsets[b + 1]! - pass.leftOffsets[b]!;
          const m0 = p === from.pass && b === from.block ? from.member : 0;
          const m1 = p === to.pass && b === to.block ? Math.min(nLeft, to.member) : nLeft;
          if (m0 >= m1 || pass.rightOffsets[b + 1] === pass.rightOffsets[b]) continue;
          if (p !== this.pass) this.startPass(p);
          this.scoreBlock(pass, b, m0, m1);
        }
      }
      this.flush();
    } finally {
      this.out = undefined;
      this.stats = undefined;
    }
  }

  private startPass(p: number): void {
    // One kernel call holds one pass's blocks: the gathered block ids are the pass's.
    this.flush();
    this.fill = 0;
    this.placed = 0;
    this.pass = p;
    const earlier = this.index.passes.slice(0, p);
    this.prevLeft = earlier.map((q) => q.leftBlock);
    this.prevRight = earlier.map((q) => q.rightBlock);
  }

  private scoreBlock(pass: BlockPass, b: number, m0: number, m1: number): void {
    const selfLink = this.index.selfLink;
    const rStart = pass.rightOffsets[b]!;
    const nRight = pass.rightOffsets[b + 1]! - rStart;
    if (selfLink && nRight < 2) return;
    if (this.fill + nRight > this.cap) {
      this.flush();
      this.fill = 0;
      this.placed = 0;
      if (nRight > this.cap) this.reserveGather(nRight);
    }
    const base = this.fill;
    const sorted = this.sortBlocks && nRight >= SORT_MIN;
    this.gather(pass.rightMembers, rStart, nRight, base, sorted);
    this.fill += nRight;

    const stats = this.stats!;
    const { lo: loOf, hi: hiOf } = this.plan;
    const leftPop = this.left.popcounts;
    const members = pass.leftMembers;
    const lStart = pass.leftOffsets[b]!;
    const gPop = this.gPop;
    const end = base + nRight;
    const prevLeft = this.prevLeft;
    const earlier = this.earlier;
    const idsPtr = this.ws.ids.ptr;
    const perPass = this.cap * 4;
    const pairsPerCall = KERNEL_TUNING.pairsPerCall;
    for (let m = m0; m < m1; m++) {
      const i = members[lStart + m]!;
      // Under self-linking the area holds the block in record order and member m is position m.
      const first = selfLink ? base + m + 1 : base;
      if (first >= end) continue;
      let nq = 0;
      for (let q = 0; q < prevLeft.length; q++) {
        const lb = prevLeft[q]![i]!;
        if (lb < 0) continue; // no earlier block: no right member can share it
        earlier[2 * nq] = idsPtr + q * perPass;
        earlier[2 * nq + 1] = lb;
        nq++;
      }
      this.nq = nq;
      const pa = leftPop[i]!;
      const lo = loOf[pa]!;
      const hi = hiOf[pa]!;
      if (lo > hi) {
        // No partner can reach the floor: nothing to score, only the distinct pairs to count.
        stats.candidatePairs += this.countFresh(first, end);
        continue;
      }
      let j = first;
      let jEnd = end;
      if (sorted) {
        // The kernel counts the pairs it scans; those outside the window are counted here.
        j = firstPopAtLeast(gPop, first, end, lo);
        jEnd = firstPopAtLeast(gPop, j, end, hi + 1);
        stats.candidatePairs += this.countFresh(first, j) + this.countFresh(jEnd, end);
      }
      let flags = FIRST;
      const bound = lo | (hi << 16);
      while (j < jEnd) {
        const take = Math.min(jEnd - j, pairsPerCall - this.pending);
        if (j + take === jEnd) flags |= LAST;
        this.segment(i, j, j + take, bound, flags);
        flags = 0;
        this.pending += take;
        j += take;
        if (this.pending === pairsPerCall || this.nSeg === KERNEL_TUNING.segmentsPerCall) this.flush();
      }
    }
  }

  /** Appends a segment of the current row (its earlier blocks from `earlier`) to the call. */
  private segment(i: number, j: number, jEnd: number, bound: number, flags: number): void {
    const seg = this.i32;
    const nq = this.nq;
    let w = (this.ws.segments.ptr >>> 2) + this.segW;
    seg[w++] = i;
    seg[w++] = j;
    seg[w++] = jEnd;
    seg[w++] = bound;
    seg[w++] = flags | (nq << 8);
    for (let x = 0; x < 2 * nq; x++) seg[w++] = this.earlier[x]!;
    this.segW += SEGMENT_WORDS + 2 * nq;
    this.nSeg++;
  }

  /** Gathered positions in [from, to) that no earlier pass put forward with the current row. */
  private countFresh(from: number, to: number): number {
    const nq = this.nq;
    if (nq === 0 || from >= to) return Math.max(0, to - from);
    const ids = this.i32;
    const earlier = this.earlier;
    let n = 0;
    for (let x = from; x < to; x++) {
      let q = 0;
      while (q < nq && ids[(earlier[2 * q]! >>> 2) + x] !== earlier[2 * q + 1]) q++;
      if (q === nq) n++;
    }
    return n;
  }

  /**
   * Puts the block's right members at gathered positions [base, base + n), in popcount order
   * when `sorted`: their records and earlier-pass block ids now, their filters and popcounts by
   * the WASM gather, for many blocks at once just before the kernel runs (a sorted block's
   * right away: its popcounts are needed here).
   */
  private gather(members: Uint32Array, start: number, n: number, base: number, sorted: boolean): void {
    const order = sorted ? this.popcountOrder(members, start, n) : undefined;
    const m32 = this.m32;
    const rec = (this.ws.rec.ptr >>> 2) + base;
    if (order === undefined) for (let k = 0; k < n; k++) m32[rec + k] = members[start + k]!;
    else for (let k = 0; k < n; k++) m32[rec + k] = members[start + order[k]!]!;
    const ids = this.i32;
    const cap = this.cap;
    const prevRight = this.prevRight;
    for (let q = 0; q < prevRight.length; q++) {
      const blockOf = prevRight[q]!;
      const at = (this.ws.ids.ptr >>> 2) + q * cap + base;
      for (let k = 0; k < n; k++) ids[at + k] = blockOf[m32[rec + k]!]!;
    }
    if (sorted) this.place(base + n);
  }

  /** Copies the filters and popcounts of gathered positions [placed, to). */
  private place(to: number): void {
    if (to <= this.placed) return;
    const ws = this.ws;
    const right = this.right;
    this.gatherFilters(
      ws.rec.ptr,
      this.placed,
      to,
      right.byteOffset,
      right.popcountsByteOffset,
      ws.filters.ptr,
      ws.pops.ptr,
      right.bytesPerFilter,
    );
    this.placed = to;
  }

  /** Offsets 0..n−1 of members[start..start+n) in popcount order (stable). */
  private popcountOrder(members: Uint32Array, start: number, n: number): Uint32Array {
    if (this.order.length < n) this.order = new Uint32Array(Math.max(n, 2 * this.order.length));
    const order = this.order;
    const pop = this.right.popcounts;
    if (n <= INSERTION_MAX) {
      for (let k = 0; k < n; k++) {
        const key = pop[members[start + k]!]!;
        let y = k - 1;
        while (y >= 0 && pop[members[start + order[y]!]!]! > key) {
          order[y + 1] = order[y]!;
          y--;
        }
        order[y + 1] = k;
      }
      return order;
    }
    const starts = this.popStarts;
    starts.fill(0);
    for (let k = 0; k < n; k++) starts[pop[members[start + k]!]! + 1]!++;
    for (let c = 1; c < starts.length; c++) starts[c]! += starts[c - 1]!;
    for (let k = 0; k < n; k++) order[starts[pop[members[start + k]!]!]!++] = k;
    return order;
  }

  /** Runs the assembled kernel call, adds its counts and copies out the pairs it kept. */
  private flush(): void {
    if (this.nSeg === 0) return;
    this.place(this.fill);
    const ws = this.ws;
    const left = this.left;
    const n = this.kernel(
      left.byteOffset,
      left.popcountsByteOffset,
      ws.filters.ptr,
      ws.pops.ptr,
      ws.rec.ptr,
      ws.segments.ptr,
      ws.segments.ptr + this.segW * 4,
      ws.need.ptr,
      ws.records.ptr,
      ws.heap.ptr,
      this.k,
      this.tableRecords,
      this.tableState,
      left.bytesPerFilter,
    );
    this.stats!.candidatePairs += ws.wasm.candidates.value;
    this.stats!.comparisons += ws.wasm.compared.value;
    this.segW = 0;
    this.nSeg = 0;
    this.pending = 0;
    if (n > 0) this.drain(n);
  }

  /** Copies the kernel's {i, j, c, s} records out, scored with the same `dice` as the reference. */
  private drain(n: number): void {
    const out = this.out!;
    out.reserve(out.length + n);
    const { aIndex, bIndex, score } = out;
    const m32 = this.m32;
    let at = out.length;
    const r0 = this.ws.records.ptr >>> 2;
    for (let t = r0; t < r0 + 4 * n; t += 4) {
      aIndex[at] = m32[t]!;
      bIndex[at] = m32[t + 1]!;
      score[at++] = dice(m32[t + 2]!, m32[t + 3]!);
    }
    out.length = at;
  }

  /** Room for `n` gathered positions; the contents are dropped (callers flush first). */
  private reserveGather(n: number): void {
    const ws = this.ws;
    const cap = Math.max(n, this.cap);
    ws.filters.ensure(cap * this.left.bytesPerFilter);
    ws.pops.ensure(cap * 2);
    ws.rec.ensure(cap * 4);
    ws.ids.ensure(cap * 4 * Math.max(1, this.index.passes.length - 1));
    this.cap = cap;
    this.views();
  }

  /**
   * Views of the memory for the scratch areas. Made again whenever an area moves or at the
   * start of a task: another thread may have grown the shared memory since, and a view made
   * before a growth does not reach the new pages.
   */
  private views(): void {
    const ws = this.ws;
    ws.segments.ensure(this.segWords * 4);
    // The kernel may write one record past the kept ones (*_all), and a row carried in from the
    // previous call may put out k records beyond the call's pairs (*_topk).
    ws.records.ensure((KERNEL_TUNING.pairsPerCall + this.k + 1) * RECORD_BYTES);
    ws.heap.ensure(Math.max(1, this.k) * HEAP_RECORD_BYTES);
    const need = ws.need.ensure(this.plan.need.byteLength);
    const buffer = ws.arena.memory.buffer;
    if (ws.loadedNeed?.plan !== this.plan || ws.loadedNeed.ptr !== need) {
      new Int32Array(buffer, need, this.plan.need.length).set(this.plan.need);
      ws.loadedNeed = { plan: this.plan, ptr: need };
    }
    this.m32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.gPop = new Uint16Array(buffer, ws.pops.ptr, this.cap);
  }
}
