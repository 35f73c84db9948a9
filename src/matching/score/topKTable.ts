/**
 * The run's top-k table: k slots per left row in the shared WASM memory, into which the block
 * kernel merges each row's k best of every pass as soon as the pass is done with the row (under
 * a per-row lock, since two threads may hold the same row's passes). The rows' k best of all
 * passes are then read out in row order here, with no per-pass candidates sent back by the
 * workers and none to sort. The table's worst of a full row is also a rising floor for the row's
 * later passes (see wasm/blockWat.mjs).
 *
 * Layout: Int32 state per row (count of records, top bit the lock), then the records, 8 bytes
 * each {c | s << 16, j}, row i's at records + 8·k·i: in arrival order until the row holds k,
 * then a heap (worst on top).
 *
 * Nothing in an arena is freed, so a table given back is kept per memory and handed to the next
 * run on that memory that fits in it (a multi-party link scores several pairs of datasets in
 * one memory).
 */
import { isCohortlinkError } from '../../errors.js';
import { CandidateBuffer } from '../kernel/candidateBuffer.js';
import { KERNEL_LIMITS } from '../kernel/limits.js';
import { dice } from '../kernel/thresholdPlan.js';
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmArena } from '../kernel/wasmArena.js';

/** Where a table lives in its memory, for a task message (numbers only). */
export interface TopKTableSpec {
  readonly rows: number;
  readonly k: number;
  /** Byte offsets of the Int32 row states and of the first record. */
  readonly state: number;
  readonly records: number;
}

interface Region {
  readonly ptr: number;
  readonly bytes: number;
}

const RECORD_BYTES = 8;
/** Rows up to this long are insertion-sorted on read-out; longer ones (large k) sorted. */
const INSERTION_MAX = 32;
const LOCK = 0x80000000;
const free = new WeakMap<WasmMemory, Region[]>();

export function topKTableBytes(rows: number, k: number): number {
  return stateBytes(rows) + rows * k * RECORD_BYTES;
}

/** A zeroed table for `rows` × `k` in `memory`, or undefined when the memory cannot hold it. */
export function acquireTopKTable(
  memory: WasmMemory,
  rows: number,
  k: number,
): { spec: TopKTableSpec; release: () => void } | undefined {
  const bytes = topKTableBytes(rows, k);
  const regions = free.get(memory) ?? [];
  free.set(memory, regions);
  let at = -1;
  for (let r = 0; r < regions.length; r++)
    if (regions[r]!.bytes >= bytes && (at < 0 || regions[r]!.bytes < regions[at]!.bytes)) at = r;
  let region: Region;
  if (at >= 0) region = regions.splice(at, 1)[0]!;
  else {
    try {
      region = { ptr: new WasmArena({ memory }).allocate(bytes).byteOffset, bytes };
    } catch (e) {
      // The memory is at its limit: the caller scores without a table.
      if (isCohortlinkError(e) && e.code === 'CL_USAGE') return undefined;
      throw e;
    }
  }
  new Int32Array(memory.buffer, region.ptr, rows).fill(0);
  const spec = { rows, k, state: region.ptr, records: region.ptr + stateBytes(rows) };
  let released = false;
  return {
    spec,
    release: () => {
      if (released) return;
      released = true;
      regions.push(region);
    },
  };
}

/**
 * The table's candidates in row order, each row best first (ties: lower right row), as the
 * block-wise scorer's row ordering would put them.
 */
export function readTopKTable(memory: WasmMemory, spec: TopKTableSpec): CandidateBuffer {
  const { rows, k } = spec;
  const state = new Int32Array(memory.buffer, spec.state, rows);
  const rec = new Uint32Array(memory.buffer, spec.records, rows * k * 2);
  let total = 0;
  // Atomic loads: they order this thread's reads after the workers' last unlocks.
  for (let i = 0; i < rows; i++) total += Atomics.load(state, i) & ~LOCK;
  const out = new CandidateBuffer(Math.min(Math.max(1, total), KERNEL_LIMITS.maxCandidateCapacity));
  out.reserve(total); // refuses more than a buffer may hold
  const { aIndex, bIndex, score } = out;
  const js = new Uint32Array(k);
  const scores = new Float64Array(k);
  const order = new Uint32Array(k);
  const better = (x: number, y: number): number => scores[y]! - scores[x]! || js[x]! - js[y]!;
  let at = 0;
  for (let i = 0; i < rows; i++) {
    const n = state[i]! & ~LOCK;
    if (n === 0) continue;
    const r0 = 2 * k * i;
    if (n <= INSERTION_MAX) {
      for (let e = 0; e < n; e++) {
        const cs = rec[r0 + 2 * e]!;
        const j = rec[r0 + 2 * e + 1]!;
        const s = dice(cs & 0xffff, cs >>> 16);
        let y = e - 1;
        while (y >= 0 && (scores[y]! < s || (scores[y] === s && js[y]! > j))) {
          scores[y + 1] = scores[y]!;
          js[y + 1] = js[y]!;
          y--;
        }
        scores[y + 1] = s;
        js[y + 1] = j;
      }
      for (let e = 0; e < n; e++) {
        aIndex[at] = i;
        bIndex[at] = js[e]!;
        score[at++] = scores[e]!;
      }
    } else {
      for (let e = 0; e < n; e++) {
        const cs = rec[r0 + 2 * e]!;
        js[e] = rec[r0 + 2 * e + 1]!;
        scores[e] = dice(cs & 0xffff, cs >>> 16);
        order[e] = e;
      }
      const sorted = order.subarray(0, n).sort(better);
      for (let e = 0; e < n; e++) {
        aIndex[at] = i;
        bIndex[at] = js[sorted[e]!]!;
        score[at++] = scores[sorted[e]!]!;
      }
    }
  }
  out.length = at;
  return out;
}

function stateBytes(rows: number): number {
  return Math.ceil((rows * 4) / 8) * 8;
}
