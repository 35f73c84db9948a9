/**
 * A small seeded generator (mulberry32): uniform numbers in [0, 1) from a 32-bit seed, the same
 * sequence on every platform. For sampling, resampling and test data where reproducibility
 * matters and cryptographic strength does not (keys and salts use node:crypto).
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
