/**
 * Seeded pseudo-random numbers for the synthetic population. sfc32 (Chris Doty-Humphrey's
 * small fast counting generator): four 32-bit words of state, passes PractRand to 2^40+ bytes,
 * and runs on plain int32 arithmetic, so it costs a few nanoseconds per draw in V8.
 *
 * Every independent purpose (population, dataset membership, each dataset's corruption, window
 * shuffles) gets its own stream from `(seed, streamId)`, so changing a corruption rate does not
 * change who is in the population.
 */

/** murmur3's 32-bit finaliser: a cheap bijective avalanche on one word. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

const TWO_POW_32 = 0x1_0000_0000;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any non-negative safe integer; `stream` separates independent sequences. */
  constructor(seed: number, stream: number) {
    const lo = (seed % TWO_POW_32) >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    this.a = mix32(lo ^ 0x9e3779b9);
    this.b = mix32(hi ^ 0x243f6a88);
    this.c = mix32((stream ^ 0xb7e15162) >>> 0);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** Sampling from a fixed discrete distribution: cumulative weights and a binary search. */
export class WeightedTable<T> {
  readonly items: readonly T[];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new RangeError('WeightedTable needs at least one entry');
    this.items = entries.map((e) => e[0]);
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, w], i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
    this.total = sum;
  }

  sample(rng: Rng): T {
    const x = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

/** Zipf-like weights for a list given in rank order: weight(rank) = 1 / (rank + offset)^s. */
export function zipf<T>(items: readonly T[], s = 0.9, offset = 2): [T, number][] {
  return items.map((item, rank) => [item, 1 / (rank + offset) ** s]);
}

/**
 * A keyed bijection on [0, 2^(2*halfBits)) — a four-round balanced Feistel network. Used to turn
 * counters into random-looking but collision-free record references and NHS numbers.
 */
export class FeistelPermutation {
  private readonly keys: readonly number[];
  private readonly mask: number;
  private readonly scale: number;

  constructor(rng: Rng, halfBits: number) {
    if (halfBits < 1 || halfBits > 26) throw new RangeError('halfBits must be in 1..26');
    this.keys = [rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()];
    this.mask = 2 ** halfBits - 1;
    this.scale = 2 ** halfBits;
  }

  get size(): number {
    return this.scale * this.scale;
  }

  permute(x: number): number {
    let left = Math.floor(x / this.scale);
    let right = x % this.scale;
    for (const k of this.keys) {
      const f = mix32((right ^ k) >>> 0) & this.mask;
      const next = (left ^ f) & this.mask;
      left = right;
      right = next;
    }
    return left * this.scale + right;
  }

  /** A bijection on [0, n) for n ≤ size, by cycle-walking out-of-range outputs. */
  permuteBelow(x: number, n: number): number {
    let y = this.permute(x);
    while (y >= n) y = this.permute(y);
    return y;
  }
}
