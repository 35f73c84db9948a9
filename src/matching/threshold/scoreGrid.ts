/**
 * Scores on a fixed grid: histograms, Gaussian smoothing and tails, all on typed arrays. The
 * threshold model works on binned scores so that its cost after one pass over the links is
 * independent of how many there are (a million links bin in a few milliseconds; nothing sorts).
 */

/** Bin width of the threshold grid: finer than any threshold a user would set by hand. */
export const GRID_BIN_WIDTH = 0.001;
/** Bins on [0, 1]; a score of exactly 1 falls in the last one. */
export const GRID_BINS = Math.round(1 / GRID_BIN_WIDTH) + 1;

/** The bin of a score in [0, 1]. The small epsilon keeps scores that are exact grid values
 * (0.29, whose quotient is 28.999…) in their own bin, so "score ≥ edge(k)" ⇔ "bin ≥ k". */
export function binOf(score: number): number {
  const k = Math.floor(score / GRID_BIN_WIDTH + 1e-9);
  return k < 0 ? 0 : k >= GRID_BINS ? GRID_BINS - 1 : k;
}

/** The lower edge of bin k, as a score. */
export function edgeOf(k: number): number {
  return Math.round(k * GRID_BIN_WIDTH * 1e6) / 1e6;
}

/** Adds values[0, length) into a new histogram; values below `below` go to no bin but are counted. */
export function histogram(
  values: Float64Array,
  length: number,
  below: number,
): { counts: Float64Array; under: number } {
  const counts = new Float64Array(GRID_BINS);
  let under = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i]!;
    if (!(v >= below)) under++;
    else counts[binOf(v)]!++;
  }
  return { counts, under };
}

/**
 * Gaussian smoothing of a histogram (bandwidth in score units), without moving mass below
 * `fromBin`: values there are censored (unknown below the floor), so smoothing them upwards
 * would invent scores nobody observed. Mass pushed past either end is folded back in.
 */
export function smooth(counts: Float64Array, bandwidth: number, fromBin: number): Float64Array {
  const out = new Float64Array(counts.length);
  const h = bandwidth / GRID_BIN_WIDTH;
  if (h < 0.5) {
    out.set(counts);
    return out;
  }
  const reach = Math.ceil(4 * h);
  const kernel = new Float64Array(2 * reach + 1);
  for (let d = -reach; d <= reach; d++) kernel[d + reach] = Math.exp(-0.5 * (d / h) ** 2);
  for (let k = fromBin; k < counts.length; k++) {
    const c = counts[k]!;
    if (c === 0) continue;
    const lo = Math.max(fromBin, k - reach);
    const hi = Math.min(counts.length - 1, k + reach);
    let total = 0;
    for (let j = lo; j <= hi; j++) total += kernel[j - k + reach]!;
    for (let j = lo; j <= hi; j++) out[j]! += (c * kernel[j - k + reach]!) / total;
  }
  return out;
}

/** tail[k] = sum of counts[k..]; one longer than counts, so tail[counts.length] = 0. */
export function tailSums(counts: Float64Array): Float64Array {
  const tail = new Float64Array(counts.length + 1);
  for (let k = counts.length - 1; k >= 0; k--) tail[k] = tail[k + 1]! + counts[k]!;
  return tail;
}

/** The smallest bin k whose tail sum is at most (1 − q)·total: the q-quantile's bin. */
export function quantileBin(tail: Float64Array, total: number, q: number): number {
  const limit = (1 - q) * total;
  let k = tail.length - 1;
  while (k > 0 && tail[k - 1]! <= limit) k--;
  return k;
}
