/**
 * Puts block-wise output in row order. The block-wise scorer finds a left row's partners block
 * by block, pass by pass and task by task, so its candidates arrive in no useful order; this
 * orders them by left row, then right row (or, with top-k, keeps each row's k best, best first,
 * ties to the lower right row). A stable LSD radix sort on the left row (no comparisons, no
 * object per pair) does the grouping; rows are then short, and are sorted in place.
 */
import { CandidateBuffer } from '../kernel/candidateBuffer.js';
import { TopKSelector } from '../kernel/topK.js';

/** Bits per radix digit: 2^11 counters stay in L1, and 2 passes cover 2^22 left rows. */
const DIGIT_BITS = 11;
/** Rows up to this long are insertion-sorted; longer ones (rare: huge blocks, low floors) heap-sorted. */
const INSERTION_MAX = 24;

/**
 * `buf`'s candidates grouped by left row (rows ascending). Without topK each row's pairs are
 * sorted by right row and `buf` itself is returned (its arrays reordered); with topK a new
 * buffer holds each row's k best, best first. `leftCount` bounds the left rows (sizes the sort).
 */
export function orderByRow(
  buf: CandidateBuffer,
  leftCount: number,
  topK: number | undefined,
): CandidateBuffer {
  const n = buf.length;
  if (n === 0) return topK === undefined ? buf : new CandidateBuffer(1);
  radixByRow(buf, leftCount);
  const { aIndex: a, bIndex: b, score: s } = buf;
  if (topK !== undefined) {
    const out = new CandidateBuffer(Math.min(n, 1024));
    const selector = new TopKSelector(topK);
    for (let m = 0; m < n; m++) selector.offer(a[m]!, b[m]!, s[m]!, out);
    selector.finish(out);
    return out;
  }
  let start = 0;
  for (let m = 1; m <= n; m++) {
    if (m < n && a[m] === a[start]) continue;
    if (m - start > 1) sortByRight(b, s, start, m);
    start = m;
  }
  return buf;
}

/** Stable LSD radix sort of the first `length` entries by aIndex, in place (one scratch copy). */
function radixByRow(buf: CandidateBuffer, leftCount: number): void {
  const n = buf.length;
  let bits = 1;
  while (bits < 32 && 2 ** bits < leftCount) bits++;
  const passes = Math.ceil(bits / DIGIT_BITS);
  const digit = Math.ceil(bits / passes);
  const mask = (1 << digit) - 1;
  const count = new Uint32Array(mask + 2);
  let a: Uint32Array = buf.aIndex;
  let b: Uint32Array = buf.bIndex;
  let s: Float64Array = buf.score;
  let ta: Uint32Array = new Uint32Array(n);
  let tb: Uint32Array = new Uint32Array(n);
  let ts: Float64Array = new Float64Array(n);
  for (let pass = 0; pass < passes; pass++) {
    const shift = pass * digit;
    count.fill(0);
    for (let m = 0; m < n; m++) count[((a[m]! >>> shift) & mask) + 1]!++;
    for (let d = 1; d < count.length; d++) count[d]! += count[d - 1]!;
    for (let m = 0; m < n; m++) {
      const at = count[(a[m]! >>> shift) & mask]!++;
      ta[at] = a[m]!;
      tb[at] = b[m]!;
      ts[at] = s[m]!;
    }
    [a, ta] = [ta, a];
    [b, tb] = [tb, b];
    [s, ts] = [ts, s];
  }
  // After an odd number of passes the sorted entries sit in the scratch arrays.
  if (a !== buf.aIndex) {
    buf.aIndex.set(a.subarray(0, n));
    buf.bIndex.set(b.subarray(0, n));
    buf.score.set(s.subarray(0, n));
  }
}

/** Sorts entries [from, to) by right row (unique within a row), moving scores along. */
function sortByRight(b: Uint32Array, s: Float64Array, from: number, to: number): void {
  if (to - from <= INSERTION_MAX) {
    for (let x = from + 1; x < to; x++) {
      const bj = b[x]!;
      const sj = s[x]!;
      let y = x - 1;
      while (y >= from && b[y]! > bj) {
        b[y + 1] = b[y]!;
        s[y + 1] = s[y]!;
        y--;
      }
      b[y + 1] = bj;
      s[y + 1] = sj;
    }
    return;
  }
  // Heap sort: in place and O(n log n) whatever the row length, with no allocation.
  const n = to - from;
  for (let k = (n >> 1) - 1; k >= 0; k--) siftDown(b, s, from, k, n);
  for (let end = n - 1; end > 0; end--) {
    swap(b, s, from, from + end);
    siftDown(b, s, from, 0, end);
  }
}

function siftDown(b: Uint32Array, s: Float64Array, base: number, at: number, size: number): void {
  for (;;) {
    let child = 2 * at + 1;
    if (child >= size) return;
    if (child + 1 < size && b[base + child + 1]! > b[base + child]!) child++;
    if (b[base + at]! >= b[base + child]!) return;
    swap(b, s, base + at, base + child);
    at = child;
  }
}

function swap(b: Uint32Array, s: Float64Array, x: number, y: number): void {
  const bx = b[x]!;
  const sx = s[x]!;
  b[x] = b[y]!;
  s[x] = s[y]!;
  b[y] = bx;
  s[y] = sx;
}
