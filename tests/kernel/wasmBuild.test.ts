import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDiceWasm, MODULE_FILE, WAT_FILE } from '../../src/matching/kernel/wasm/build.mjs';
import { DICE_WASM_BASE64 } from '../../src/matching/kernel/wasm/diceWasm.generated.js';

describe('the WASM kernel build', () => {
  it('the committed module and text equal a fresh build from diceWat.mjs', async () => {
    const fresh = await buildDiceWasm();
    expect(Buffer.from(DICE_WASM_BASE64, 'base64')).toEqual(Buffer.from(fresh.bytes));
    expect(readFileSync(MODULE_FILE, 'utf8')).toBe(fresh.module);
    expect(readFileSync(WAT_FILE, 'utf8')).toBe(fresh.wat);
  });

  it('exports one kernel of each kind per specialised length plus the general one', async () => {
    const { bytes } = await buildDiceWasm();
    const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    const lengths = ['w8', 'w16', 'w32', 'any'];
    const kernels = lengths.flatMap((l) => [`dice_${l}`, `block_${l}_all`, `block_${l}_topk`, `gather_${l}`]);
    expect(names.sort()).toEqual([...kernels, 'candidates', 'compared'].sort());
  });
});
