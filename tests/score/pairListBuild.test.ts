import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildPairListWasm,
  PAIR_LIST_MODULE_FILE,
  PAIR_LIST_WAT_FILE,
} from '../../src/matching/kernel/wasm/build.mjs';
import { PAIR_LIST_WASM_BASE64 } from '../../src/matching/kernel/wasm/pairListWasm.generated.js';

describe('the WASM pair-list kernel build', () => {
  it('the committed module and text equal a fresh build from pairListWat.mjs', async () => {
    const fresh = await buildPairListWasm();
    expect(Buffer.from(PAIR_LIST_WASM_BASE64, 'base64')).toEqual(Buffer.from(fresh.bytes));
    expect(readFileSync(PAIR_LIST_MODULE_FILE, 'utf8')).toBe(fresh.module);
    expect(readFileSync(PAIR_LIST_WAT_FILE, 'utf8')).toBe(fresh.wat);
  });

  it('exports one kernel per specialised length plus the general one', async () => {
    const { bytes } = await buildPairListWasm();
    const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(names.sort()).toEqual(['compared', 'pairs_any', 'pairs_w16', 'pairs_w32', 'pairs_w8']);
  });
});
