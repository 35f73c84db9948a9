/** The compiled WASM pair-list module: decoded and compiled once per thread, on first use. */
import { PAIR_LIST_WASM_BASE64 } from './pairListWasm.generated.js';
import { type WasmGlobal, type WasmMemory, wasmApi } from './wasmApi.js';

/** (aPtr, aPop, bPtr, bPop, plan, planEnd, list, need, out, rowBytes) → candidates; see pairListWat.mjs. */
export type PairListFunction = (
  aPtr: number,
  aPop: number,
  bPtr: number,
  bPop: number,
  plan: number,
  planEnd: number,
  list: number,
  need: number,
  out: number,
  rowBytes: number,
) => number;

export interface PairListExports {
  /** The kernel for filters of this many 64-bit words. */
  kernelFor(words: number): PairListFunction;
  /** Pairs that passed the popcount bound in the last call. */
  readonly compared: WasmGlobal;
}

let compiled: object | undefined;

export function instantiatePairList(memory: WasmMemory): PairListExports {
  compiled ??= new wasmApi.Module(Buffer.from(PAIR_LIST_WASM_BASE64, 'base64'));
  const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports;
  const any = exports.pairs_any as PairListFunction;
  return {
    kernelFor: (words) => (exports[`pairs_w${words}`] as PairListFunction | undefined) ?? any,
    compared: exports.compared as WasmGlobal,
  };
}
