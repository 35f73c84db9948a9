import { sha256 } from '@noble/hashes/sha2.js';

/**
 * HMAC-SHA256 specialised for messages that fit one SHA-256 block (≤ 55 bytes): block-key
 * values (an NHS number, a Soundex code and a year) are that short, and the NHS key is MACed
 * for every record since its values never repeat. The key's inner and outer pad blocks are
 * compressed once; a call is then exactly two compressions on preallocated words, without the
 * generic hasher's state cloning, views and buffer clearing around them (measured: those cost
 * as much as the compressions). Longer messages are the caller's to send elsewhere.
 */

/** Longest message that, with the 0x80 byte and the 8-byte length, fits one 64-byte block. */
export const SHORT_HMAC_MAX = 55;

// SHA-256 round constants (FIPS 180-4 §4.2.2) and initial hash value (§5.3.3).
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const IV = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const W = new Int32Array(64);

/** One SHA-256 compression of the 16 big-endian words in W[0..15], from `state` into `out`. */
function compress(state: Int32Array, out: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!;
    const w2 = W[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = (state[0]! + a) | 0;
  out[1] = (state[1]! + b) | 0;
  out[2] = (state[2]! + c) | 0;
  out[3] = (state[3]! + d) | 0;
  out[4] = (state[4]! + e) | 0;
  out[5] = (state[5]! + f) | 0;
  out[6] = (state[6]! + g) | 0;
  out[7] = (state[7]! + h) | 0;
}

/** The chaining state after absorbing the key block XORed with `pad` (RFC 2104). */
function padState(key: Uint8Array, pad: number): Int32Array {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha256(key) : key);
  for (let i = 0; i < 16; i++) {
    W[i] =
      ((block[4 * i]! ^ pad) << 24) |
      ((block[4 * i + 1]! ^ pad) << 16) |
      ((block[4 * i + 2]! ^ pad) << 8) |
      (block[4 * i + 3]! ^ pad);
  }
  const state = new Int32Array(8);
  compress(IV, state);
  return state;
}

/**
 * Returns a function computing HMAC-SHA256(key, msg[0..len)) for len ≤ SHORT_HMAC_MAX. The
 * digest is written as eight big-endian words into one array that every call reuses.
 */
export function shortHmacSha256(key: Uint8Array): (msg: Uint8Array, len: number) => Int32Array {
  const inner = padState(key, 0x36);
  const outer = padState(key, 0x5c);
  const mid = new Int32Array(8);
  const digest = new Int32Array(8);
  return (msg, len) => {
    if (len > SHORT_HMAC_MAX) throw new RangeError('message too long for one block');
    // Inner block: message, 0x80, zeros, then the bit length of ipad block + message.
    W.fill(0, 0, 16);
    for (let i = 0; i < len; i++) W[i >>> 2]! |= msg[i]! << (24 - 8 * (i & 3));
    W[len >>> 2]! |= 0x80 << (24 - 8 * (len & 3));
    W[15] = (64 + len) * 8;
    compress(inner, mid);
    // Outer block: the 32-byte inner digest, 0x80, zeros, length (64 + 32) · 8 bits.
    for (let i = 0; i < 8; i++) W[i] = mid[i]!;
    W[8] = 0x80000000 | 0;
    W.fill(0, 9, 15);
    W[15] = (64 + 32) * 8;
    compress(outer, digest);
    return digest;
  };
}
