/**
 * Bit filters as byte arrays in clkhash's serialisation order: bit i is bit (7 - i % 8) of
 * byte floor(i / 8), i.e. the first bit is the most significant bit of the first byte. Keeping
 * the wire order in memory means a CLK is base64-encoded without any bit shuffling.
 */

export function setBit(bytes: Uint8Array, i: number): void {
  bytes[i >>> 3]! |= 0x80 >>> (i & 7);
}

export function getBit(bytes: Uint8Array, i: number): boolean {
  return (bytes[i >>> 3]! & (0x80 >>> (i & 7))) !== 0;
}

const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >>> 1]!;

export function popcount(bytes: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < bytes.length; i++) c += POP8[bytes[i]!]!;
  return c;
}

/**
 * XOR-fold `folds` times: each fold XORs the first half with the second, halving the length.
 * The filter's length in bits must be divisible by 2^folds and each half a whole number of bytes.
 */
export function xorFold(bytes: Uint8Array, folds: number): Uint8Array {
  let cur = bytes;
  for (let f = 0; f < folds; f++) {
    const half = cur.length >>> 1;
    const next = new Uint8Array(half);
    for (let i = 0; i < half; i++) next[i] = cur[i]! ^ cur[i + half]!;
    cur = next;
  }
  return cur;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
