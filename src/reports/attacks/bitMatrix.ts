/**
 * The encodings under attack held twice in typed arrays: record-major (one row of 32-bit words
 * per record, to count how much of a pattern a record holds) and bit-sliced (one column of
 * record bits per filter position, to count how many records of a set hold a position). Both
 * are ~N·m/8 bytes: 6.4 MB each for 50,000 filters of 1024 bits.
 */

/** Filters as a plain list, or anything FilterStore-like that hands them out one at a time. */
export type FilterSource = readonly Uint8Array[] | { readonly count: number; filter(i: number): Uint8Array };

export function filterCount(src: FilterSource): number {
  return Array.isArray(src) ? src.length : (src as { count: number }).count;
}

export function filterAt(src: FilterSource, i: number): Uint8Array {
  return Array.isArray(src)
    ? (src as readonly Uint8Array[])[i]!
    : (src as { filter(i: number): Uint8Array }).filter(i);
}

export function pop32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export class BitMatrix {
  /** Words per record row. */
  readonly w: number;
  /** Words per position column (records / 32, rounded up). */
  readonly nw: number;
  readonly rows: Uint32Array;
  readonly cols: Uint32Array;
  /** Records holding each position. */
  readonly bitCounts: Uint32Array;

  constructor(
    readonly n: number,
    readonly bits: number,
    filterOf: (i: number) => Uint8Array,
  ) {
    this.w = bits >>> 5;
    this.nw = (n + 31) >>> 5;
    this.rows = new Uint32Array(n * this.w);
    this.cols = new Uint32Array(bits * this.nw);
    this.bitCounts = new Uint32Array(bits);
    for (let r = 0; r < n; r++) {
      const f = filterOf(r);
      const base = r * this.w;
      for (let byte = 0; byte < f.length; byte++) {
        const v = f[byte]!;
        if (v === 0) continue;
        for (let j = 0; j < 8; j++) {
          if ((v & (0x80 >>> j)) === 0) continue;
          const b = byte * 8 + j; // bitfilter.ts order: bit 0 is the top bit of byte 0
          this.rows[base + (b >>> 5)]! |= 1 << (b & 31);
          this.cols[b * this.nw + (r >>> 5)]! |= 1 << (r & 31);
          this.bitCounts[b]!++;
        }
      }
    }
  }

  /** A record set with every record in it. */
  all(): Uint32Array {
    const s = new Uint32Array(this.nw).fill(0xffffffff);
    const tail = this.n & 31;
    if (tail !== 0) s[this.nw - 1] = (1 << tail) - 1;
    return s;
  }

  /** Records of `set` that hold position b. */
  countIn(b: number, set: Uint32Array): number {
    const cols = this.cols;
    const at = b * this.nw;
    let c = 0;
    for (let i = 0; i < this.nw; i++) {
      const x = set[i]! & cols[at + i]!;
      if (x !== 0) c += pop32(x);
    }
    return c;
  }

  /** set ∩= column b, returning the new size. */
  intersect(set: Uint32Array, b: number): number {
    const cols = this.cols;
    const at = b * this.nw;
    let c = 0;
    for (let i = 0; i < this.nw; i++) {
      const x = set[i]! & cols[at + i]!;
      set[i] = x;
      if (x !== 0) c += pop32(x);
    }
    return c;
  }

  /** How many of the pattern's positions (a row-shaped mask) record r holds. */
  overlap(r: number, mask: Uint32Array): number {
    const rows = this.rows;
    const base = r * this.w;
    let c = 0;
    for (let i = 0; i < this.w; i++) {
      const x = rows[base + i]! & mask[i]!;
      if (x !== 0) c += pop32(x);
    }
    return c;
  }

  has(r: number, b: number): boolean {
    return (this.rows[r * this.w + (b >>> 5)]! & (1 << (b & 31))) !== 0;
  }

  /** Positions record r holds. */
  positionsOf(r: number): number[] {
    const out: number[] = [];
    const base = r * this.w;
    for (let i = 0; i < this.w; i++) {
      let x = this.rows[base + i]!;
      while (x !== 0) {
        const low = x & -x;
        out.push(i * 32 + (31 - Math.clz32(low)));
        x ^= low;
      }
    }
    return out;
  }
}

export function setSize(set: Uint32Array): number {
  let c = 0;
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) c += pop32(set[i]!);
  return c;
}

/** The shared seeded generator, for sampling and seed order. */
export { seededRandom } from '../../seededRandom.js';
