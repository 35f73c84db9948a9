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
 * with their filters, so the test per pair is p register compares, not random lookups; it runs
 * over every blocked pair to count the distinct candidate pairs (and those inside the popcount
 * bound), and again over the few pairs the kernel keeps.
 */
import type { BlockIndex, BlockPass } from '../../blocking/types.js';
import type { CandidateBuffer } from '../kernel/candidateBuffer.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { KERNEL_TUNING } from '../kernel/limits.js';
import { firstPopAtLeast } from '../kernel/popcountOrder.js';
import { dice, type ThresholdPlan, thresholdPlan } from '../kernel/thresholdPlan.js';
import { TopKSelector } from '../kernel/topK.js';
import { type DiceExports, type DiceFunction, instantiateDice } from '../kernel/wasm/diceModule.js';
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmArena } from '../kernel/wasmArena.js';
import { Scratch } from '../kernel/wasmScratch.js';
import type { BlockCut } from './blockPlan.js';

const SEGMENT_BYTES = 16;
const TRIPLE_BYTES = 12;
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
  readonly staging: Scratch;
  readonly need: Scratch;
  readonly filters: Scratch;
  readonly pops: Scratch;
  /** The `need` table last written to the memory, and where. */
  loadedNeed: { plan: ThresholdPlan; ptr: number } | undefined;

  constructor(readonly arena: WasmArena) {
    this.wasm = instantiateDice(arena.memory);
    this.segments = new Scratch(arena);
    this.staging = new Scratch(arena);
    this.need = new Scratch(arena);
    this.filters = new Scratch(arena);
    this.pops = new Scratch(arena);
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
   * Keep only the k best pairs of each left row within each pass (best first). A row meets
   * each pass in one block, so its pairs of a pass arrive together; the run's k best of a row
   * are among its passes' k best, and the caller cuts the union to k.
   */
  readonly topK?: number | undefined;
}

export class BlockScorer {
  private readonly ws: Workspace;
  private readonly plan: ThresholdPlan;
  private readonly kernel: DiceFunction;
  private readonly wordsPerFilter: number;
  private readonly sortBlocks: boolean;
  /** Per gathered position: the right record, and (q-major) its block in each earlier pass. */
  private rec: Uint32Array;
  private ids: Int32Array;
  private cap: number;
  /** Sort scratch: member offsets in popcount order, and counting-sort counters. */
  private order: Uint32Array;
  private readonly popStarts: Uint32Array;
  /** The current pass's left members' block ids in earlier passes (−2 for none: never equal to a right −1). */
  private readonly leftIds: Int32Array;

  // State of the kernel call being assembled.
  private m32: Uint32Array;
  private gPop: Uint16Array;
  private seg: Int32Array;
  private nSeg = 0;
  private pending = 0;
  private fill = 0;
  private pass = -1;
  private prevLeft: Int32Array[] = [];
  private prevRight: Int32Array[] = [];
  private out: CandidateBuffer | undefined;
  private stats: ScoreCounts | undefined;
  private readonly selector: TopKSelector | undefined;

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
    this.kernel = this.ws.wasm.kernelFor(left.bits / 64);
    this.wordsPerFilter = left.wordsPerFilter;
    this.sortBlocks = options.sortByPopcount && !index.selfLink;
    this.selector = options.topK === undefined ? undefined : new TopKSelector(options.topK);
    this.cap = 0;
    this.rec = new Uint32Array(0);
    this.ids = new Int32Array(0);
    this.order = new Uint32Array(INITIAL_GATHER);
    this.popStarts = new Uint32Array(left.bits + 2);
    this.leftIds = new Int32Array(Math.max(1, index.passes.length));
    this.m32 = new Uint32Array(0);
    this.gPop = new Uint16Array(0);
    this.seg = new Int32Array(0);
    this.reserveGather(INITIAL_GATHER);
  }

  /**
   * Appends the kept pairs of the units in [from, to) to `out` (in no particular order: the
   * caller orders them by row) and adds the distinct candidate pairs and comparisons to `stats`.
   */
  scoreUnits(from: BlockCut, to: BlockCut, out: CandidateBuffer, stats: ScoreCounts): void {
    this.out = out;
    this.stats = stats;
    this.views();
    this.pass = -1;
    this.fill = 0;
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
      this.selector?.finish(out);
    } finally {
      this.out = undefined;
      this.stats = undefined;
    }
  }

  private startPass(p: number): void {
    // One kernel call holds one pass's blocks: the drain's exactly-once test depends on the pass.
    this.flush();
    if (this.out !== undefined) this.selector?.finish(this.out);
    this.fill = 0;
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
      if (nRight > this.cap) this.reserveGather(nRight);
    }
    const base = this.fill;
    const sorted = this.sortBlocks && nRight >= SORT_MIN;
    this.gather(pass.rightMembers, rStart, nRight, base, sorted);
    this.fill += nRight;

    const p = this.pass;
    const stats = this.stats!;
    const { lo: loOf, hi: hiOf } = this.plan;
    const leftPop = this.left.popcounts;
    const members = pass.leftMembers;
    const lStart = pass.leftOffsets[b]!;
    const gPop = this.gPop;
    const end = base + nRight;
    const leftIds = this.leftIds;
    for (let m = m0; m < m1; m++) {
      const i = members[lStart + m]!;
      const pa = leftPop[i]!;
      const lo = loOf[pa]!;
      const hi = hiOf[pa]!;
      // Under self-linking the area holds the block in record order and member m is position m.
      const first = selfLink ? base + m + 1 : base;
      if (first >= end) continue;
      if (p === 0) stats.candidatePairs += end - first;
      else {
        let any = false;
        for (let q = 0; q < p; q++) {
          const lb = this.prevLeft[q]![i]!;
          leftIds[q] = lb < 0 ? -2 : lb;
          any ||= lb >= 0;
        }
        const span = lo <= hi ? hi - lo : -1;
        if (any) this.countDistinct(first, end, lo, span, stats);
        else {
          // No earlier block: nothing here can have been put forward before.
          stats.candidatePairs += end - first;
          stats.comparisons += countInBound(gPop, first, end, lo, span);
        }
      }
      if (lo > hi) continue; // no partner can reach the floor
      let j = first;
      let jEnd = end;
      if (sorted) {
        j = firstPopAtLeast(gPop, first, end, lo);
        jEnd = firstPopAtLeast(gPop, j, end, hi + 1);
      }
      const bound = lo | (hi << 16);
      while (j < jEnd) {
        const take = Math.min(jEnd - j, KERNEL_TUNING.pairsPerCall - this.pending);
        const s = this.nSeg * 4;
        this.seg[s] = i;
        this.seg[s + 1] = j;
        this.seg[s + 2] = j + take;
        this.seg[s + 3] = bound;
        this.nSeg++;
        this.pending += take;
        j += take;
        if (this.pending === KERNEL_TUNING.pairsPerCall || this.nSeg === KERNEL_TUNING.segmentsPerCall)
          this.flush();
      }
    }
  }

  /**
   * Distinct pairs of one left member with gathered positions [first, end) that no earlier pass
   * put forward, and of those the ones inside the popcount bound. Unrolled for 1–3 earlier
   * passes (keyed blocking has a handful); any more take the loop.
   */
  private countDistinct(first: number, end: number, lo: number, span: number, stats: ScoreCounts): void {
    const p = this.pass;
    const ids = this.ids;
    const cap = this.cap;
    const gPop = this.gPop;
    const l0 = this.leftIds[0]!;
    let cand = 0;
    let comp = 0;
    if (p === 1) {
      for (let x = first; x < end; x++)
        if (ids[x] !== l0) {
          cand++;
          if ((gPop[x]! - lo) >>> 0 <= span) comp++;
        }
    } else if (p === 2) {
      const l1 = this.leftIds[1]!;
      for (let x = first; x < end; x++)
        if (ids[x] !== l0 && ids[cap + x] !== l1) {
          cand++;
          if ((gPop[x]! - lo) >>> 0 <= span) comp++;
        }
    } else if (p === 3) {
      const l1 = this.leftIds[1]!;
      const l2 = this.leftIds[2]!;
      const c2 = 2 * cap;
      for (let x = first; x < end; x++)
        if (ids[x] !== l0 && ids[cap + x] !== l1 && ids[c2 + x] !== l2) {
          cand++;
          if ((gPop[x]! - lo) >>> 0 <= span) comp++;
        }
    } else {
      const leftIds = this.leftIds;
      for (let x = first; x < end; x++) {
        let q = 0;
        while (q < p && ids[q * cap + x] !== leftIds[q]) q++;
        if (q === p) {
          cand++;
          if ((gPop[x]! - lo) >>> 0 <= span) comp++;
        }
      }
    }
    stats.candidatePairs += cand;
    stats.comparisons += comp;
  }

  /**
   * Copies the block's right members (filters, popcounts, records and earlier-pass block ids)
   * to gathered positions [base, base + n), in popcount order when `sorted`.
   */
  private gather(members: Uint32Array, start: number, n: number, base: number, sorted: boolean): void {
    const rightPop = this.right.popcounts;
    const order = sorted ? this.popcountOrder(members, start, n) : undefined;
    const m32 = this.m32;
    const w = this.wordsPerFilter;
    const src0 = this.right.byteOffset >>> 2;
    let dst = (this.ws.filters.ptr >>> 2) + base * w;
    const gPop = this.gPop;
    const rec = this.rec;
    const ids = this.ids;
    const cap = this.cap;
    const prevRight = this.prevRight;
    for (let k = 0; k < n; k++) {
      const j = members[start + (order === undefined ? k : order[k]!)]!;
      const src = src0 + j * w;
      for (let x = 0; x < w; x++) m32[dst + x] = m32[src + x]!;
      dst += w;
      const pos = base + k;
      gPop[pos] = rightPop[j]!;
      rec[pos] = j;
      for (let q = 0; q < prevRight.length; q++) ids[q * cap + pos] = prevRight[q]![j]!;
    }
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

  /** Runs the assembled kernel call and keeps its pairs that no earlier pass put forward. */
  private flush(): void {
    if (this.nSeg === 0) return;
    const ws = this.ws;
    const left = this.left;
    const n = this.kernel(
      left.byteOffset,
      left.popcountsByteOffset,
      ws.filters.ptr,
      ws.pops.ptr,
      ws.segments.ptr,
      ws.segments.ptr + this.nSeg * SEGMENT_BYTES,
      ws.need.ptr,
      ws.staging.ptr,
      left.bytesPerFilter,
    );
    // Pass 0 has no duplicates: the kernel's count of pairs inside the bound is the count.
    if (this.pass === 0) this.stats!.comparisons += ws.wasm.compared.value;
    this.nSeg = 0;
    this.pending = 0;
    if (n > 0) this.drain(n);
  }

  /**
   * Scores the staged {i, position, common} triples and keeps the pairs no earlier pass put
   * forward. With top-k (staged pairs come grouped by left row), a pair that cannot enter its
   * row's k is dropped before the exactly-once lookups: at a low floor that is most of a long
   * row's pairs, and a pair dropped here would be dropped either way.
   */
  private drain(n: number): void {
    const out = this.out!;
    const selector = this.selector;
    if (selector === undefined) out.reserve(out.length + n);
    const m32 = this.m32;
    const st = this.ws.staging.ptr >>> 2;
    const rec = this.rec;
    const ids = this.ids;
    const cap = this.cap;
    const prevLeft = this.prevLeft;
    const p = prevLeft.length;
    const leftPop = this.left.popcounts;
    const gPop = this.gPop;
    for (let t = st; t < st + 3 * n; t += 3) {
      const i = m32[t]!;
      const pos = m32[t + 1]!;
      const j = rec[pos]!;
      const score = dice(m32[t + 2]!, leftPop[i]! + gPop[pos]!);
      if (selector?.rejects(i, j, score)) continue;
      let q = 0;
      for (; q < p; q++) {
        const lb = prevLeft[q]![i]!;
        if (lb >= 0 && lb === ids[q * cap + pos]) break;
      }
      if (q < p) continue; // an earlier pass put this pair forward
      if (selector !== undefined) selector.offer(i, j, score, out);
      else {
        out.aIndex[out.length] = i;
        out.bIndex[out.length] = j;
        out.score[out.length++] = score;
      }
    }
  }

  /** Room for `n` gathered filters; the contents are dropped (callers flush first). */
  private reserveGather(n: number): void {
    const ws = this.ws;
    const cap = Math.max(n, this.cap);
    ws.filters.ensure(cap * this.left.bytesPerFilter);
    ws.pops.ensure(cap * 2);
    this.cap = cap;
    this.rec = new Uint32Array(cap);
    this.ids = new Int32Array(cap * Math.max(1, this.index.passes.length - 1));
    this.views();
  }

  /**
   * Views of the memory for the scratch areas. Made again whenever an area moves or at the
   * start of a task: another thread may have grown the shared memory since, and a view made
   * before a growth does not reach the new pages.
   */
  private views(): void {
    const ws = this.ws;
    ws.segments.ensure(KERNEL_TUNING.segmentsPerCall * SEGMENT_BYTES);
    ws.staging.ensure(KERNEL_TUNING.pairsPerCall * TRIPLE_BYTES);
    const need = ws.need.ensure(this.plan.need.byteLength);
    const buffer = ws.arena.memory.buffer;
    if (ws.loadedNeed?.plan !== this.plan || ws.loadedNeed.ptr !== need) {
      new Int32Array(buffer, need, this.plan.need.length).set(this.plan.need);
      ws.loadedNeed = { plan: this.plan, ptr: need };
    }
    this.m32 = new Uint32Array(buffer);
    this.gPop = new Uint16Array(buffer, ws.pops.ptr, this.cap);
    this.seg = new Int32Array(buffer, ws.segments.ptr, KERNEL_TUNING.segmentsPerCall * 4);
  }
}

/** Positions in [first, end) whose popcount lies in [lo, lo + span] (span −1: none). */
function countInBound(gPop: Uint16Array, first: number, end: number, lo: number, span: number): number {
  if (span < 0) return 0;
  let c = 0;
  for (let x = first; x < end; x++) if ((gPop[x]! - lo) >>> 0 <= span) c++;
  return c;
}
