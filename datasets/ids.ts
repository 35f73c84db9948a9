import { FeistelPermutation, type Rng } from './rng.js';

/**
 * NHS number check digit (modulus 11): weights 10..2 over the first nine digits,
 * check = 11 − (sum mod 11); 11 becomes 0 and 10 means the nine digits cannot be issued.
 * A private copy so the generator does not depend on src/encoding.
 */
export function nhsCheckDigit(first9: string): number | null {
  if (!/^\d{9}$/.test(first9)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

export function isValidNhsNumber(nhs: string): boolean {
  return /^\d{10}$/.test(nhs) && nhsCheckDigit(nhs.slice(0, 9)) === Number(nhs[9]);
}

/** Nine-digit prefixes 400000000..999999999: first digit 4–9 like issued numbers. */
const PREFIX_BASE = 400_000_000;
const PREFIX_COUNT = 600_000_000;

/**
 * Unique, valid, random-looking NHS numbers: a counter pushed through a keyed permutation of the
 * 6×10^8 possible prefixes (so no two people share a number and no set of issued numbers is kept),
 * skipping the 1 in 11 prefixes whose check digit would be 10.
 */
export class NhsNumberSource {
  private readonly perm: FeistelPermutation;
  private counter = 0;

  constructor(rng: Rng) {
    this.perm = new FeistelPermutation(rng, 15);
  }

  next(): string {
    for (;;) {
      if (this.counter >= PREFIX_COUNT) throw new RangeError('NHS number space exhausted');
      const prefix = String(PREFIX_BASE + this.perm.permuteBelow(this.counter++, PREFIX_COUNT));
      const check = nhsCheckDigit(prefix);
      if (check !== null) return prefix + check;
    }
  }
}

/** Crockford's base32 alphabet: no I, L, O, U, so references are easy to read aloud. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const REF_HALF = 2 ** 25;

/**
 * Opaque record references: a one-letter prefix and ten base32 characters (50 bits) from a keyed
 * permutation of a per-file counter. Unique within a file, unrelated to any identifier.
 */
export class RefSource {
  private readonly perm: FeistelPermutation;
  private counter = 0;

  constructor(
    rng: Rng,
    private readonly prefix: string,
  ) {
    this.perm = new FeistelPermutation(rng, 25);
  }

  next(): string {
    const y = this.perm.permute(this.counter++);
    let hi = Math.floor(y / REF_HALF);
    let lo = y % REF_HALF;
    let tail = '';
    let head = '';
    for (let i = 0; i < 5; i++) {
      tail = BASE32[lo & 31] + tail;
      head = BASE32[hi & 31] + head;
      lo >>>= 5;
      hi >>>= 5;
    }
    return this.prefix + head + tail;
  }
}
