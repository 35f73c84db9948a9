import { hmac } from '@noble/hashes/hmac.js';
import type { CHash } from '@noble/hashes/utils.js';

/**
 * A keyed HMAC that reuses one working instance: the key's inner and outer pads are absorbed
 * once, and each call copies that state into the same scratch object instead of allocating a
 * new HMAC (measured: the allocation was a large share of per-record block-key cost).
 * Returns a fresh digest.
 */
export function reusableHmac(hash: CHash, key: Uint8Array): (msg: Uint8Array) => Uint8Array {
  const base = hmac.create(hash, key);
  let work = base.clone();
  return (msg) => {
    work = base._cloneInto(work);
    return work.update(msg).digest();
  };
}

/**
 * As reusableHmac, but the digest is written into one buffer that every call reuses: for
 * callers that consume it at once (block keys), so no array is allocated per call.
 */
export function reusableHmacInto(hash: CHash, key: Uint8Array): (msg: Uint8Array) => Uint8Array {
  const base = hmac.create(hash, key);
  let work = base.clone();
  const out = new Uint8Array(base.outputLen);
  return (msg) => {
    work = base._cloneInto(work);
    work.update(msg).digestInto(out);
    return out;
  };
}
