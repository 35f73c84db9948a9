import { benchKernel, printKernelResult } from './kernel.js';

/**
 * `npm run bench:ci`: the quick benchmark pass CI runs after the tests. It prints the kernel
 * table and fails only on a gross regression — the WASM kernel below a quarter of the C scalar
 * kernel measured in the same run — since CI machines are shared and noisy. Without gcc the C
 * yardstick cannot run and the gate is skipped (said so, not silently passed).
 */
const FLOOR = 0.25;
const result = await benchKernel({ nA: 1000, nB: 10_000, repeats: 3 });
printKernelResult(result);
const ratio = result.ratios.wasmToCScalar;
if (ratio === undefined) {
  console.log('bench gate skipped: the C reference did not run (see notes above)');
} else if (ratio < FLOOR) {
  console.log(
    `bench gate FAILED: WASM kernel at ${(100 * ratio).toFixed(0)}% of C scalar (floor ${100 * FLOOR}%)`,
  );
  process.exit(1);
} else {
  console.log(
    `bench gate passed: WASM kernel at ${(100 * ratio).toFixed(0)}% of C scalar (floor ${100 * FLOOR}%)`,
  );
}
