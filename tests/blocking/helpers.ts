/** Small in-memory encoded datasets for blocking and linking tests (no files, no encoder). */
import type { HeaderLine } from '../../src/encoding/ndjson.js';
import { KeyInterner, keyHashHi, keyHashLo } from '../../src/matching/input/keyInterner.js';
import type { BlockKeyColumn, EncodedDataset } from '../../src/matching/input/readEncodings.js';
import { FilterStore } from '../../src/matching/kernel/filterStore.js';

export function header(blockKeys: readonly string[], bits = 64): HeaderLine {
  return {
    type: 'header',
    format: 'cohortlink-encodings/1',
    schemaSource: 'cohortlink',
    schemaFingerprint: '0'.repeat(32),
    keyFingerprint: '1'.repeat(32),
    filterBits: bits,
    blockKeys: [...blockKeys],
    hardening: { balance: false, salted: false, bitFlip: 0, xorFolds: 0 },
    refColumn: 'ref',
    createdAt: '2026-01-01T00:00:00Z',
    encoder: 'test',
  };
}

/** keys[pass][record]: the record's key string in that pass, or null for none. */
export function dataset(
  name: string,
  filters: readonly Uint8Array[],
  keys: Readonly<Record<string, readonly (string | null)[]>>,
  bits = 64,
): EncodedDataset {
  const blockKeys = new Map<string, BlockKeyColumn>();
  for (const [pass, values] of Object.entries(keys)) {
    const keys = new KeyInterner();
    const ids = Int32Array.from(values, (v) =>
      v === null ? -1 : keys.intern(keyHashHi(v, 0, v.length), keyHashLo(v, 0, v.length)),
    );
    blockKeys.set(pass, { ids, keys });
  }
  return {
    name,
    header: header(Object.keys(keys), bits),
    summary: undefined,
    refs: filters.map((_, i) => `${name}-${i}`),
    store: FilterStore.fromBytes(filters, { bits }),
    blockKeys,
  };
}

export function randomFilters(n: number, bytes: number, seed: number): Uint8Array[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return Array.from({ length: n }, () => Uint8Array.from({ length: bytes }, () => next() & 0xff));
}

/** Pairs the index puts forward, as "i,j" strings (deduplicated across passes). */
export function indexPairs(index: import('../../src/blocking/types.js').BlockIndex): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < index.leftCount; i++)
    for (const pass of index.passes) {
      const b = pass.leftBlock[i]!;
      if (b < 0) continue;
      for (let m = pass.rightOffsets[b]!; m < pass.rightOffsets[b + 1]!; m++) {
        const j = pass.rightMembers[m]!;
        if (index.selfLink && j <= i) continue;
        out.add(`${i},${j}`);
      }
    }
  return out;
}
