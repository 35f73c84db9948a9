/**
 * Band keys for Hamming bit-sampling LSH: band b's key of a filter is the k filter bits at
 * band b's sampled positions, packed into an integer. The positions come from a fixed seed, so
 * both datasets of a run (and re-runs) sample the same bits; they are not secret — knowing
 * which bits are sampled tells nothing without the filters.
 */
import type { LshParameters } from './lshParameters.js';
import type { BlockingFilters } from './types.js';

/** Positions sampled by each band: `bands` rows of `bitsPerBand` distinct bit indices. */
export function bandPositions(filterBits: number, params: LshParameters, seed = 0x2545f491): Uint32Array[] {
  const rows: Uint32Array[] = [];
  let state = seed >>> 0;
  const next = (): number => {
    // xorshift32: enough to scatter positions; no statistical demands beyond that.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const k = Math.min(params.bitsPerBand, filterBits);
  for (let b = 0; b < params.bands; b++) {
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(next() % filterBits);
    rows.push(Uint32Array.from([...chosen].sort((x, y) => x - y)));
  }
  return rows;
}

/** Band key of every filter in `store` for one band (bit m of the key = bit positions[m]). */
export function bandKeys(store: BlockingFilters, positions: Uint32Array): Uint32Array {
  const keys = new Uint32Array(store.count);
  const bytes = store.bytes;
  const stride = store.bytesPerFilter;
  const k = positions.length;
  const byteAt = new Uint32Array(k);
  const maskAt = new Uint8Array(k);
  for (let m = 0; m < k; m++) {
    byteAt[m] = positions[m]! >>> 3;
    maskAt[m] = 1 << (positions[m]! & 7);
  }
  for (let i = 0, base = 0; i < store.count; i++, base += stride) {
    let key = 0;
    for (let m = 0; m < k; m++) if ((bytes[base + byteAt[m]!]! & maskAt[m]!) !== 0) key |= 1 << m;
    keys[i] = key >>> 0;
  }
  return keys;
}
