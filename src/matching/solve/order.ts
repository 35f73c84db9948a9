/**
 * The order every greedy solver walks candidates in: score descending, then aIndex ascending,
 * then bIndex ascending. It is a total order, so results do not depend on the input's order.
 *
 * A JS comparator over 20 M pairs takes tens of seconds; this is a radix sort on typed arrays:
 *  1. Distinct scores are collected in an open-addressing hash set keyed by their IEEE-754 bits
 *     and ranked, highest first (Dice values are 2c/(|a|+|b|), so there are few of them; the
 *     rank orders exactly like the score, with no quantisation).
 *  2. Each candidate becomes one packed integer key, rank · 2^(aBits+bBits) + a · 2^bBits + b, of
 *     W = 2 or 3 little-endian 32-bit words, stored interleaved in one Uint32Array.
 *  3. An LSD radix sort moves whole keys (digits of at most 16 bits that never straddle a word).
 *     Keys are moved rather than a permutation indexing the input because each pass then reads
 *     sequentially: a permutation pass reads the input at random and measured 6–8 times slower.
 *     A digit that is the same in every key skips its pass.
 *  4. The sorted keys are unpacked into (a, b, rank) arrays reusing the sort's buffers.
 */
import { endianness } from 'node:os';
import type { CandidateArrays } from './types.js';
import { badIndex } from './validate.js';

/** Candidates at or above a threshold in solver order; the score of entry i is values[rank[i]]. */
export interface OrderedCandidates {
  readonly a: Uint32Array;
  readonly b: Uint32Array;
  /** Rank of the score among the distinct scores; equal scores have equal ranks. */
  readonly rank: Uint32Array;
  /** The distinct scores, highest first. */
  readonly values: Float64Array;
  readonly length: number;
}

/** Index of the low and high 32-bit words of a Float64 in a Uint32Array view of it. */
const LO = endianness() === 'LE' ? 0 : 1;
const HI = 1 - LO;
/** Widest radix digit: a 64 K-entry histogram (256 KiB) stays in L2. */
const MAX_DIGIT_BITS = 16;
/** Marks an empty hash slot: no score's high word (sign bit masked off) can equal it. */
const EMPTY = 0xffffffff;

/** Bits needed to write every integer below `count`. */
export function bitsFor(count: number): number {
  let bits = 0;
  while (2 ** bits < count) bits++;
  return bits;
}

/**
 * The candidates of `c` scoring at least `threshold`, sorted. Every aIndex must be below aCount
 * and every bIndex below bCount, or CL_INTERNAL names the first candidate that is not.
 */
export function orderCandidates(
  c: CandidateArrays,
  threshold: number,
  aCount: number,
  bCount: number,
): OrderedCandidates {
  const n = c.length;
  const { aIndex, bIndex, score } = c;
  const words = new Uint32Array(score.buffer, score.byteOffset, 2 * n);

  // 1. Check indices, count the candidates kept and collect their distinct scores.
  const set = new ScoreSet();
  let m = 0;
  for (let i = 0; i < n; i++) {
    const a = aIndex[i]!;
    const b = bIndex[i]!;
    if (a >= aCount) badIndex(i, 'aIndex', a, aCount);
    if (b >= bCount) badIndex(i, 'bIndex', b, bCount);
    if (!(score[i]! >= threshold)) continue;
    m++;
    // The sign bit is masked so -0 counts as +0 (a threshold >= 0 admits no other negative).
    set.add(words[2 * i + LO]!, words[2 * i + HI]! & 0x7fffffff);
  }
  const values = set.rankDescending();
  if (m === 0)
    return { a: new Uint32Array(0), b: new Uint32Array(0), rank: new Uint32Array(0), values, length: 0 };

  // 2. Pack the keys.
  const bBits = bitsFor(bCount);
  const aBits = bitsFor(aCount);
  const rBits = bitsFor(values.length);
  const totalBits = bBits + aBits + rBits;
  const W = Math.max(1, Math.ceil(totalBits / 32));
  let keys = new Uint32Array(W * m);
  for (let i = 0, k = 0; i < n; i++) {
    if (!(score[i]! >= threshold)) continue;
    const r = set.rankOf(words[2 * i + LO]!, words[2 * i + HI]! & 0x7fffffff);
    const base = W * k++;
    orInto(keys, base, 0, bIndex[i]!, bBits);
    orInto(keys, base, bBits, aIndex[i]!, aBits);
    orInto(keys, base, bBits + aBits, r, rBits);
  }

  // 3. Sort.
  let tmp = new Uint32Array(W * m);
  for (let w = 0; w < W; w++) {
    const bits = Math.min(32, totalBits - 32 * w);
    const digits = Math.ceil(bits / MAX_DIGIT_BITS);
    for (let d = 0, shift = 0; d < digits; d++) {
      const width = Math.ceil((bits - shift) / (digits - d));
      if (radixPass(keys, tmp, m, W, w, shift, width)) {
        const t = keys;
        keys = tmp;
        tmp = t;
      }
      shift += width;
    }
  }

  // 4. Unpack: a and b into the spare buffer, the rank over the keys (word i is read before written).
  const a = tmp.subarray(0, m);
  const b = W >= 2 ? tmp.subarray(m, 2 * m) : new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const base = W * k;
    b[k] = bitsAt(keys, base, 0, bBits);
    a[k] = bitsAt(keys, base, bBits, aBits);
    keys[k] = bitsAt(keys, base, bBits + aBits, rBits);
  }
  return { a, b, rank: keys.subarray(0, m), values, length: m };
}

/** ORs `value` (below 2^width) into the key at `base` at bit `offset`. */
function orInto(keys: Uint32Array, base: number, offset: number, value: number, width: number): void {
  if (width === 0) return;
  const w = base + (offset >>> 5);
  const s = offset & 31;
  keys[w] = keys[w]! | (value << s);
  if (s + width > 32) keys[w + 1] = keys[w + 1]! | (value >>> (32 - s));
}

/** The `width` bits of the key at `base` from bit `offset`. */
function bitsAt(keys: Uint32Array, base: number, offset: number, width: number): number {
  if (width === 0) return 0;
  const w = base + (offset >>> 5);
  const s = offset & 31;
  let v = keys[w]! >>> s;
  if (s + width > 32) v |= keys[w + 1]! << (32 - s);
  return width === 32 ? v >>> 0 : v & ((1 << width) - 1);
}

/**
 * One stable counting-sort pass of m W-word keys from src into dst by bits [shift, shift+width)
 * of word `word`. Returns false, writing nothing, when every key has the same digit there.
 */
function radixPass(
  src: Uint32Array,
  dst: Uint32Array,
  m: number,
  W: number,
  word: number,
  shift: number,
  width: number,
): boolean {
  const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
  const next = new Uint32Array(2 ** width);
  for (let j = word; j < W * m; j += W) next[(src[j]! >>> shift) & mask]!++;
  let sum = 0;
  for (let d = 0; d < next.length; d++) {
    const h = next[d]!;
    if (h === m) return false;
    next[d] = sum;
    sum += h;
  }
  if (W === 2) {
    for (let j = 0; j < 2 * m; j += 2) {
      const w0 = src[j]!;
      const w1 = src[j + 1]!;
      const p = 2 * next[((word === 0 ? w0 : w1) >>> shift) & mask]!++;
      dst[p] = w0;
      dst[p + 1] = w1;
    }
  } else if (W === 3) {
    for (let j = 0; j < 3 * m; j += 3) {
      const w0 = src[j]!;
      const w1 = src[j + 1]!;
      const w2 = src[j + 2]!;
      const p = 3 * next[((word === 0 ? w0 : word === 1 ? w1 : w2) >>> shift) & mask]!++;
      dst[p] = w0;
      dst[p + 1] = w1;
      dst[p + 2] = w2;
    }
  } else {
    for (let j = 0; j < m; j++) {
      const w0 = src[j]!;
      dst[next[(w0 >>> shift) & mask]!++] = w0;
    }
  }
  return true;
}

/**
 * Open-addressing hash set of scores keyed by their two 32-bit words (sign bit cleared), kept
 * at most half full. After rankDescending(), rankOf gives each score's rank (0 = highest).
 */
class ScoreSet {
  private lo = new Uint32Array(1 << 12);
  private hi = new Uint32Array(1 << 12).fill(EMPTY);
  private rank = new Uint32Array(0);
  private bits = 12;
  size = 0;

  private slot(lo: number, hi: number): number {
    const mask = (1 << this.bits) - 1;
    let s = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> (32 - this.bits);
    while (this.hi[s] !== EMPTY && (this.hi[s] !== hi || this.lo[s] !== lo)) s = (s + 1) & mask;
    return s;
  }

  add(lo: number, hi: number): void {
    const s = this.slot(lo, hi);
    if (this.hi[s] !== EMPTY) return;
    this.lo[s] = lo;
    this.hi[s] = hi;
    if (++this.size * 2 > this.lo.length) this.grow();
  }

  private grow(): void {
    const { lo, hi } = this;
    this.bits++;
    this.lo = new Uint32Array(1 << this.bits);
    this.hi = new Uint32Array(1 << this.bits).fill(EMPTY);
    for (let s = 0; s < lo.length; s++) {
      if (hi[s] === EMPTY) continue;
      const t = this.slot(lo[s]!, hi[s]!);
      this.lo[t] = lo[s]!;
      this.hi[t] = hi[s]!;
    }
  }

  /** The distinct scores, highest first; afterwards rankOf works. */
  rankDescending(): Float64Array {
    const values = new Float64Array(this.size);
    const view = new Uint32Array(values.buffer);
    let k = 0;
    for (let s = 0; s < this.lo.length; s++) {
      if (this.hi[s] === EMPTY) continue;
      view[2 * k + LO] = this.lo[s]!;
      view[2 * k + HI] = this.hi[s]!;
      k++;
    }
    values.sort().reverse();
    this.rank = new Uint32Array(this.lo.length);
    for (let r = 0; r < values.length; r++) this.rank[this.slot(view[2 * r + LO]!, view[2 * r + HI]!)] = r;
    return values;
  }

  rankOf(lo: number, hi: number): number {
    return this.rank[this.slot(lo, hi)]!;
  }
}
