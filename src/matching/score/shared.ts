/**
 * Puts a run's inputs where worker threads can read them without a copy, and describes them
 * for a task message: the filters in a shared WebAssembly.Memory (each worker instantiates the
 * kernel over that same memory) and the block index in SharedArrayBuffers. Inputs already
 * there — the normal case, the loader allocating in one WasmArena — are used as they are;
 * anything else is copied once per run, never per task.
 */
import type { BlockIndex, BlockPass } from '../../blocking/types.js';
import { CohortlinkError } from '../../errors.js';
import { FilterStore, type FilterStoreDescriptor } from '../kernel/filterStore.js';
import { checkSameBits } from '../kernel/validate.js';
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmArena } from '../kernel/wasmArena.js';
import type { BlockCut } from './blockPlan.js';
import type { TopKTableSpec } from './topKTable.js';

/** Everything a worker needs to score any rows of one run; cheap to post (all shared). */
export interface RunSpec {
  /** Unique per scoring run: workers cache their kernel and scorer under it. */
  readonly id: string;
  readonly memory: WasmMemory;
  readonly left: FilterStoreDescriptor;
  readonly right: FilterStoreDescriptor;
  readonly index: BlockIndex;
  readonly floor: number;
  readonly topK: number | undefined;
  /** Gather big blocks' right members in popcount order. */
  readonly sortByPopcount: boolean;
  /** With top-k: the table in `memory` the rows' k best are merged into (topKTable.ts). */
  readonly table: TopKTableSpec | undefined;
}

/** A task: the block units from `from` up to `to` (see blockPlan.ts). */
export interface ScoreTask {
  readonly run: RunSpec;
  readonly from: BlockCut;
  readonly to: BlockCut;
}

/** A task's kept pairs (arrays transferred, valid in [0, length)) or its error as data. */
export type TaskOutcome =
  | {
      readonly ok: true;
      readonly aIndex: Uint32Array;
      readonly bIndex: Uint32Array;
      readonly score: Float64Array;
      readonly length: number;
      readonly candidatePairs: number;
      readonly comparisons: number;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

export interface Placed {
  readonly memory: WasmMemory;
  readonly left: FilterStore;
  readonly right: FilterStore;
}

/** Both stores in one shared WASM memory: theirs when they already share one, else a copy. */
export function placeStores(left: FilterStore, right: FilterStore): Placed {
  const la = left.allocator;
  const ra = right.allocator;
  if (la instanceof WasmArena && ra instanceof WasmArena && la.memory === ra.memory)
    return { memory: la.memory, left, right };
  const bytes = (s: FilterStore) => s.count * (s.bytesPerFilter + 2) + 64;
  const arena = new WasmArena({ initialPages: Math.ceil((bytes(left) + bytes(right)) / 65_536) + 32 });
  const copy = (s: FilterStore): FilterStore => {
    const c = FilterStore.allocate(s.count, s.bits, { allocator: arena });
    c.words.set(s.words);
    c.popcounts.set(s.popcounts);
    return c;
  };
  const l = copy(left);
  return { memory: arena.memory, left: l, right: left === right ? l : copy(right) };
}

/** The index with every array on a SharedArrayBuffer (copied only where it is not). */
export function shareIndex(index: BlockIndex): BlockIndex {
  const share = <T extends Int32Array | Uint32Array>(a: T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const c = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
    c.set(a);
    return c;
  };
  const passes: BlockPass[] = index.passes.map((p) => {
    const rightOffsets = share(p.rightOffsets);
    const rightMembers = share(p.rightMembers);
    const leftBlock = share(p.leftBlock);
    // Self-linking's aliases stay aliases, so the copy costs no more than the original.
    const same = <T>(a: T, b: T, copy: T, made: () => T): T => (a === b ? copy : made());
    return {
      name: p.name,
      kind: p.kind,
      leftBlock,
      rightOffsets,
      rightMembers,
      leftOffsets: same(p.leftOffsets, p.rightOffsets, rightOffsets, () => share(p.leftOffsets)),
      leftMembers: same(p.leftMembers, p.rightMembers, rightMembers, () => share(p.leftMembers)),
      rightBlock: same(p.rightBlock, p.leftBlock, leftBlock, () => share(p.rightBlock)),
    };
  });
  return { leftCount: index.leftCount, rightCount: index.rightCount, selfLink: index.selfLink, passes };
}

/**
 * Refuses an index that does not fit the stores, before any thread reads it: on each side, block
 * ids must name a block, members a record of that side, and the per-block member lists must
 * agree with the per-record block ids, or the exactly-once rule would drop or double pairs
 * without a sound. One pass over the index, which is small beside the scoring it saves from
 * reading past the stores.
 */
export function checkIndex(index: BlockIndex, left: FilterStore, right: FilterStore): void {
  const fail = (m: string) => new CohortlinkError('CL_USAGE', `block index: ${m}`);
  checkSameBits(left, right);
  if (index.leftCount !== left.count || index.rightCount !== right.count)
    throw fail(
      `built for ${index.leftCount} × ${index.rightCount} records, given ${left.count} × ${right.count}`,
    );
  if (index.selfLink && left !== right) throw fail('self-linking needs the same store on both sides');
  index.passes.forEach((p, k) => {
    const name = `pass ${k} (${p.name})`;
    if (p.leftOffsets === undefined || p.leftMembers === undefined || p.rightBlock === undefined)
      throw fail(`${name} lacks leftOffsets, leftMembers or rightBlock (rebuild the index)`);
    const blocks = p.rightOffsets.length - 1;
    if (p.leftOffsets.length !== blocks + 1 || blocks < 0)
      throw fail(`${name} has ${p.leftOffsets.length - 1} left blocks and ${blocks} right blocks`);
    const side = (
      label: string,
      offsets: Uint32Array,
      members: Uint32Array,
      blockOf: Int32Array,
      count: number,
    ): void => {
      if (blockOf.length !== count)
        throw fail(`${name} has ${blockOf.length} ${label} entries for ${count} records`);
      let inBlocks = 0;
      for (let r = 0; r < count; r++) {
        const b = blockOf[r]!;
        if (b < -1 || b >= blocks) throw fail(`${name}: ${label} record ${r} is in block ${b} of ${blocks}`);
        if (b >= 0) inBlocks++;
      }
      const seen = new Uint8Array(count);
      for (let b = 0; b < blocks; b++) {
        if (offsets[b + 1]! < offsets[b]!) throw fail(`${name}: ${label} offsets decrease at block ${b}`);
        if (offsets[b + 1]! > members.length) throw fail(`${name}: ${label} offsets run past the members`);
        for (let m = offsets[b]!; m < offsets[b + 1]!; m++) {
          const r = members[m]!;
          if (r >= count)
            throw fail(`${name}: ${label} member ${m} is ${label} record ${r}, outside 0..${count - 1}`);
          if (blockOf[r] !== b || seen[r] === 1)
            throw fail(`${name}: ${label} member ${m} (record ${r}) is not in block ${b} or listed twice`);
          seen[r] = 1;
        }
      }
      if (inBlocks !== offsets[blocks]!)
        throw fail(`${name}: ${inBlocks} ${label} records have a block but ${offsets[blocks]} are listed`);
    };
    side('left', p.leftOffsets, p.leftMembers, p.leftBlock, index.leftCount);
    side('right', p.rightOffsets, p.rightMembers, p.rightBlock, index.rightCount);
  });
}
