/**
 * The Dice-coefficient kernels: all-pairs Dice with a threshold (and optional top-k) between
 * ranges of two filter stores, appending candidates to a CandidateBuffer.
 *
 *   const kernel = selectKernel('wasm');
 *   const B = sortByPopcount(FilterStore.fromBase64(clks, { allocator: kernel.allocator })).store;
 *   const out = new CandidateBuffer();
 *   const compared = kernel.compare(A, 0, A.count, B, 0, B.count, 0.8, out, { topK: 10 });
 */
import { CohortlinkError } from '../../errors.js';
import { referenceKernel } from './reference.js';
import { tsKernel } from './tsKernel.js';
import type { DiceKernel, KernelName } from './types.js';
import { WasmDiceKernel } from './wasmKernel.js';

export { CandidateBuffer } from './candidateBuffer.js';
export { FilterStore, type FilterStoreDescriptor, type FilterStoreOptions } from './filterStore.js';
export { KERNEL_LIMITS, KERNEL_TUNING } from './limits.js';
export { isSortedByPopcount, popcountOrder, sortByPopcount } from './popcountOrder.js';
export { referenceKernel } from './reference.js';
export { plainAllocator, type StoreAllocator, type StoreRegion, sharedAllocator } from './storeAllocator.js';
export { canReach, dice, type ThresholdPlan, thresholdPlan } from './thresholdPlan.js';
export { tsKernel } from './tsKernel.js';
export type { CompareOptions, DiceKernel, KernelName } from './types.js';
export { WasmArena, type WasmArenaOptions } from './wasmArena.js';
export { WasmDiceKernel } from './wasmKernel.js';

let wasm: WasmDiceKernel | undefined;

/**
 * The kernel of that name. 'wasm' is one shared instance per thread, created on first use with
 * its own shared memory; make a `new WasmDiceKernel({ memory })` to use another memory.
 */
export function selectKernel(name: KernelName): DiceKernel {
  switch (name) {
    case 'wasm':
      wasm ??= new WasmDiceKernel();
      return wasm;
    case 'ts':
      return tsKernel;
    case 'reference':
      return referenceKernel;
    default:
      throw new CohortlinkError('CL_USAGE', `unknown Dice kernel '${String(name)}' (wasm, ts or reference)`);
  }
}
