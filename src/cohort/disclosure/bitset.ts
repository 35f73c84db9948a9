/**
 * Person sets as packed bits (bit p of word p >>> 5 = person p), the form in which answered
 * feasibility queries are kept for overlap control: 1 bit a person instead of the evaluator's
 * byte, so a million-person run costs 125 KB a query before compression.
 */

/** Packs a byte mask (non-zero = in the set) into 32-bit words. */
export function packMask(mask: Uint8Array): Uint32Array {
  const out = new Uint32Array((mask.length + 31) >>> 5);
  for (let p = 0; p < mask.length; p++) if (mask[p] !== 0) out[p >>> 5]! |= 1 << (p & 31);
  return out;
}

/** People in `a` and not in `b` (b may be shorter; missing words are empty). */
export function andNot(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & ~(b[w] ?? 0);
  return out;
}

export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function popcount(bits: Uint32Array): number {
  let n = 0;
  for (let w = 0; w < bits.length; w++) n += popcount32(bits[w]!);
  return n;
}

/** Little-endian bytes, the stored form (the platform's own order would tie a database to it). */
export function bitsToBytes(bits: Uint32Array): Uint8Array {
  const out = new Uint8Array(bits.length * 4);
  const view = new DataView(out.buffer);
  for (let w = 0; w < bits.length; w++) view.setUint32(w * 4, bits[w]!, true);
  return out;
}

export function bytesToBits(bytes: Uint8Array): Uint32Array {
  if (bytes.length % 4 !== 0) throw new RangeError('a packed person set is a whole number of 32-bit words');
  const out = new Uint32Array(bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let w = 0; w < out.length; w++) out[w] = view.getUint32(w * 4, true);
  return out;
}
