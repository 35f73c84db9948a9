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

/**
 * (aPtr, aPop, bPtr, bPop, rec, seg, segEnd, need, out, heap, kBest, table, state, rowBytes) →
 * records written; see blockWat.mjs.
 */
export type BlockFunction = (
  aPtr: number,
  aPop: number,
  bPtr: number,
  bPop: number,
  rec: number,
  seg: number,
  segEnd: number,
  need: number,
  out: number,
  heap: number,
  kBest: number,
  table: number,
  state: number,
  rowBytes: number,
) => number;

/** (rec, from, to, src, srcPop, dst, dstPop, rowBytes); see blockWat.mjs. */
export type GatherFunction = (
  rec: number,
  from: number,
  to: number,
  src: number,
  srcPop: number,
  dst: number,
  dstPop: number,
  rowBytes: number,
) => void;

export interface DiceExports {
  /** The kernel for filters of this many 64-bit words. */
  kernelFor(words: number): DiceFunction;
  /** The block-scoring kernel for filters of this many words, keeping a top k or every pair. */
  blockKernelFor(words: number, topK: boolean): BlockFunction;
  /** The gather for the block kernels, for filters of this many words. */
  gatherFor(words: number): GatherFunction;
  /** Pairs that passed the popcount bound in the last call (of those not put forward before, for block kernels). */
  readonly compared: WasmGlobal;
  /** Block kernels: pairs scanned in the last call that no earlier pass put forward. */
  readonly candidates: WasmGlobal;
}

let compiled: object | undefined;

export function instantiateDice(memory: WasmMemory): DiceExports {
  compiled ??= new wasmApi.Module(Buffer.from(DICE_WASM_BASE64, 'base64'));
  const exports = new wasmApi.Instance(compiled, { env: { memory } }).exports;
  const any = exports.dice_any as DiceFunction;
  return {
    kernelFor: (words) => (exports[`dice_w${words}`] as DiceFunction | undefined) ?? any,
    blockKernelFor: (words, topK) => {
      const mode = topK ? 'topk' : 'all';
      return (
        (exports[`block_w${words}_${mode}`] as BlockFunction | undefined) ??
        (exports[`block_any_${mode}`] as BlockFunction)
      );
    },
    gatherFor: (words) =>
      (exports[`gather_w${words}`] as GatherFunction | undefined) ?? (exports.gather_any as GatherFunction),
    compared: exports.compared as WasmGlobal,
    candidates: exports.candidates as WasmGlobal,
  };
}
