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
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmArena } from '../kernel/wasmArena.js';

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
}

export interface ScoreTask {
  readonly run: RunSpec;
  readonly start: number;
  readonly end: number;
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
  const passes: BlockPass[] = index.passes.map((p) => ({
    name: p.name,
    kind: p.kind,
    leftBlock: share(p.leftBlock),
    rightOffsets: share(p.rightOffsets),
    rightMembers: share(p.rightMembers),
  }));
  return { leftCount: index.leftCount, rightCount: index.rightCount, selfLink: index.selfLink, passes };
}

/**
 * Refuses an index that does not fit the stores, before any thread reads it: block ids must
 * name a block and members a right record. One pass over the index, which is small beside the
 * scoring it saves from reading past the stores.
 */
export function checkIndex(index: BlockIndex, left: FilterStore, right: FilterStore): void {
  const fail = (m: string) => new CohortlinkError('CL_USAGE', `block index: ${m}`);
  if (left.bits !== right.bits)
    throw new CohortlinkError(
      'CL_USAGE',
      `cannot compare ${left.bits}-bit filters with ${right.bits}-bit filters`,
    );
  if (index.leftCount !== left.count || index.rightCount !== right.count)
    throw fail(
      `built for ${index.leftCount} × ${index.rightCount} records, given ${left.count} × ${right.count}`,
    );
  if (index.selfLink && left !== right) throw fail('self-linking needs the same store on both sides');
  index.passes.forEach((p, k) => {
    const name = `pass ${k} (${p.name})`;
    const blocks = p.rightOffsets.length - 1;
    if (p.leftBlock.length !== index.leftCount || blocks < 0)
      throw fail(`${name} has ${p.leftBlock.length} left entries for ${index.leftCount} records`);
    for (let i = 0; i < p.leftBlock.length; i++) {
      const b = p.leftBlock[i]!;
      if (b >= blocks || b < -1) throw fail(`${name}: left record ${i} is in block ${b} of ${blocks}`);
    }
    for (let b = 0; b < blocks; b++)
      if (p.rightOffsets[b + 1]! < p.rightOffsets[b]!) throw fail(`${name}: offsets decrease at block ${b}`);
    const members = blocks < 0 ? 0 : p.rightOffsets[blocks]!;
    if (members > p.rightMembers.length)
      throw fail(`${name}: offsets run past its ${p.rightMembers.length} members`);
    for (let m = 0; m < members; m++)
      if (p.rightMembers[m]! >= index.rightCount)
        throw fail(
          `${name}: member ${m} is right record ${p.rightMembers[m]}, outside 0..${index.rightCount - 1}`,
        );
  });
}
