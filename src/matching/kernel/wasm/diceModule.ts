/** The compiled WASM Dice module: decoded and compiled once per thread, on first use. */
import { DICE_WASM_BASE64 } from './diceWasm.generated.js';
import { type WasmGlobal, type WasmMemory, wasmApi } from './wasmApi.js';

/** (aPtr, aPop, bPtr, bPop, plan, planEnd, need, out, rowBytes) → candidates; see diceWat.mjs. */
export type DiceFunction = (
  aPtr: number,
  aPop: number,
  bPtr: number,
  bPop: number,
  plan: number,
  planEnd: number,
  need: number,
  out: number,
  rowBytes: number,
) => number;

export interface DiceExports {
  /** The kernel for filters of this many 64-bit words. */
  kernelFor(words: number): DiceFunction;
  /** Pairs that passed the popcount bound in the last call. */
  readonly compared: WasmGlobal;
}

let compiled: object | undefined;

export function instantiateDice(memory: WasmMemory): DiceExports {
  compiled ??= new wasmApi.Module(Buffer.from(DICE_WASM_BASE64, 'base64'));
  const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports;
  const any = exports.dice_any as DiceFunction;
  return {
    kernelFor: (words) => (exports[`dice_w${words}`] as DiceFunction | undefined) ?? any,
    compared: exports.compared as WasmGlobal,
  };
}
