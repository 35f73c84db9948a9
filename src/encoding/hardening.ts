import { blake2s } from '@noble/hashes/blake2.js';
import { getBit, setBit } from './bitfilter.js';

/**
 * Hardening transforms applied after hashing. Each trades some linkage quality for resistance
 * to frequency and pattern-mining attacks on the published filters (costs are measured by the
 * evaluation commands and documented in the README):
 *  - balancing: append the complement and permute with a keyed permutation, so every filter
 *    has exactly half its bits set and popcount reveals nothing about value lengths;
 *  - bit-flip noise: flip each bit with probability p (permanent randomised response), with a
 *    generator seeded from the record's own filter under a secret key, so the same record
 *    always gets the same noise and the noise cannot be averaged away across encodings;
 *  - salting (in the record encoder) and XOR-folding (bitfilter.xorFold).
 */

/** A keyed Fisher–Yates permutation of 0..n-1 from a BLAKE2s-driven stream. */
export function keyedPermutation(key: Uint8Array, n: number): Uint32Array {
  const perm = new Uint32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rand = keyedStream(key, new Uint8Array(0));
  for (let i = n - 1; i > 0; i--) {
    const j = rand() % (i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  return perm;
}

/** 32-bit words from BLAKE2s(key, seed ‖ counter): a deterministic keyed generator. */
function keyedStream(key: Uint8Array, seed: Uint8Array): () => number {
  let counter = 0;
  let words = new Uint32Array(0);
  let pos = 0;
  const msg = new Uint8Array(seed.length + 4);
  msg.set(seed);
  return () => {
    if (pos >= words.length) {
      new DataView(msg.buffer).setUint32(seed.length, counter++, true);
      const d = blake2s(msg, { key });
      words = new Uint32Array(d.buffer, d.byteOffset, 8);
      pos = 0;
    }
    return words[pos++]!;
  };
}

export function applyBalance(filter: Uint8Array, permutation: Uint32Array): Uint8Array {
  const n = filter.length * 8;
  const out = new Uint8Array(filter.length * 2);
  for (let i = 0; i < 2 * n; i++) {
    const bit = i < n ? getBit(filter, i) : !getBit(filter, i - n);
    if (bit) setBit(out, permutation[i]!);
  }
  return out;
}

export function applyBitFlip(
  filter: Uint8Array,
  opts: { probability: number; seedKey: Uint8Array },
): Uint8Array {
  const out = filter.slice();
  const rand = keyedStream(opts.seedKey, filter);
  const threshold = Math.floor(opts.probability * 2 ** 32);
  const n = filter.length * 8;
  for (let i = 0; i < n; i++) {
    if (rand() < threshold) out[i >>> 3]! ^= 0x80 >>> (i & 7);
  }
  return out;
}
