import { blake2b, blake2s } from '@noble/hashes/blake2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { reusableHmac } from './mac.js';
import { TokenCache } from './tokenCache.js';

/**
 * Token hashers: each inserts one token into a filter with k bits, keyed by the field's derived
 * key(s). The three clkhash v3 constructions are reproduced exactly (bit-identical CLKs); the
 * cohortlink ones use the same shapes with SHA-256 and BLAKE2s, which are faster in JavaScript
 * than MD5/SHA-1 pairs and BLAKE2b. Every hasher caches per-token hash output (see TokenCache).
 */
export interface TokenHasher {
  /** Appends the k bit positions of `token` to `out` (duplicates allowed, as in a Bloom filter). */
  positions(token: string, k: number, out: number[]): void;
}

const utf8 = new TextEncoder();

/** Big-endian integer value of `bytes` modulo `l`, exact for any l < 2^44. */
function bytesMod(bytes: Uint8Array, from: number, to: number, l: number): number {
  let r = 0;
  for (let i = from; i < to; i++) r = (r * 256 + bytes[i]!) % l;
  return r;
}

/**
 * clkhash "doubleHash" (Schnell et al. 2011): g_i = (HMAC-SHA1 + i·HMAC-MD5) mod l. With
 * `nonSingular`, an MD5 value ≡ 0 (mod l), which would put every bit on one position, is
 * re-drawn by appending chr(i) to the token, as clkhash's prevent_singularity does.
 */
export function clkhashDoubleHasher(
  keySha1: Uint8Array,
  keyMd5: Uint8Array,
  l: number,
  nonSingular: boolean,
): TokenHasher {
  const macSha1 = reusableHmac(sha1, keySha1);
  const macMd5 = reusableHmac(md5, keyMd5);
  const cache = new TokenCache<readonly [number, number]>();
  const pair = (token: string): readonly [number, number] => {
    let p = cache.get(token);
    if (p === undefined) {
      const m = utf8.encode(token);
      const h1 = bytesMod(macSha1(m), 0, 20, l);
      let h2 = bytesMod(macMd5(m), 0, 16, l);
      for (let i = 0; nonSingular && h2 === 0; i++) {
        const suffix = utf8.encode(String.fromCharCode(i));
        const m2 = new Uint8Array(m.length + suffix.length);
        m2.set(m);
        m2.set(suffix, m.length);
        h2 = bytesMod(macMd5(m2), 0, 16, l);
      }
      p = [h1, h2];
      cache.set(token, p);
    }
    return p;
  };
  return {
    positions(token, k, out) {
      const [h1, h2] = pair(token);
      for (let i = 0; i < k; i++) out.push((h1 + i * h2) % l);
    },
  };
}

/**
 * clkhash "blakeHash": BLAKE2b keyed with the field key, salted with str(i) for the i-th block
 * of 32 little-endian 16-bit indices; index j of the token is short_j mod l (l a power of two).
 */
export function clkhashBlakeHasher(key: Uint8Array, l: number): TokenHasher {
  if (l <= 0 || (l & (l - 1)) !== 0 || l > 65536)
    throw new RangeError('blakeHash needs a power-of-two length up to 65536');
  const cache = new TokenCache<Uint16Array>();
  const shorts = (token: string, k: number): Uint16Array => {
    const have = cache.get(token);
    if (have !== undefined && have.length >= k) return have;
    const blocks = Math.ceil(k / 32);
    const out = new Uint16Array(blocks * 32);
    const m = utf8.encode(token);
    for (let b = 0; b < blocks; b++) {
      const salt = new Uint8Array(16);
      salt.set(utf8.encode(String(b)));
      const digest = blake2b(m, { key, salt });
      for (let j = 0; j < 32; j++) out[b * 32 + j] = digest[2 * j]! | (digest[2 * j + 1]! << 8);
    }
    cache.set(token, out);
    return out;
  };
  const mask = l - 1;
  return {
    positions(token, k, out) {
      const s = shorts(token, k);
      for (let i = 0; i < k; i++) out.push(s[i]! & mask);
    },
  };
}

/**
 * cohortlink double hashing: one HMAC-SHA256 gives both hashes (two 64-bit halves). h2 is
 * forced odd when l is a power of two so the k positions never collapse onto a short cycle.
 */
export function hmacDoubleHasher(key: Uint8Array, l: number): TokenHasher {
  const mac = reusableHmac(sha256, key);
  const pow2 = (l & (l - 1)) === 0;
  const cache = new TokenCache<readonly [number, number]>();
  return {
    positions(token, k, out) {
      let p = cache.get(token);
      if (p === undefined) {
        const d = mac(utf8.encode(token));
        const h1 = bytesMod(d, 0, 8, l);
        let h2 = bytesMod(d, 8, 16, l);
        if (pow2) h2 |= 1;
        else if (h2 === 0) h2 = 1;
        p = [h1, h2];
        cache.set(token, p);
      }
      const [h1, h2] = p;
      for (let i = 0; i < k; i++) out.push((h1 + i * h2) % l);
    },
  };
}

/**
 * cohortlink random hashing: keyed BLAKE2s (one compression per short token, no HMAC
 * double pass); 32-bit words of the digest, block b personalised with b, index = word mod l.
 */
export function blakeRandomHasher(key: Uint8Array, l: number): TokenHasher {
  const cache = new TokenCache<Uint32Array>();
  return {
    positions(token, k, out) {
      let words = cache.get(token);
      if (words === undefined || words.length < k) {
        const blocks = Math.ceil(k / 8);
        words = new Uint32Array(blocks * 8);
        const m = utf8.encode(token);
        for (let b = 0; b < blocks; b++) {
          const personalization = new Uint8Array(8);
          new DataView(personalization.buffer).setUint32(0, b, true);
          const d = blake2s(m, { key, personalization });
          const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
          for (let j = 0; j < 8; j++) words[b * 8 + j] = dv.getUint32(4 * j, true);
        }
        cache.set(token, words);
      }
      for (let i = 0; i < k; i++) out.push(words[i]! % l);
    },
  };
}
