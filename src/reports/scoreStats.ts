/**
 * What the links at the floor say about the threshold. Links made at the floor that score ≥ t
 * are exactly the links the run would make at threshold t (src/quality/evaluate.ts, `sweep`), so
 * the links gained or lost by moving the threshold are exact counts, not estimates.
 */
import { countAtLeast } from '../quality/sortedCounts.js';

export const HISTOGRAM_BIN_WIDTH = 0.01;
export const THRESHOLD_SHIFTS = [-0.05, -0.02, 0.02, 0.05] as const;

export interface HistogramBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

export interface ScoreBand extends HistogramBin {
  /** Of `count`, those scoring ≥ the threshold (links the run made). */
  readonly links: number;
}

export interface ThresholdShift {
  readonly shift: number;
  readonly threshold: number;
  readonly links: number;
  /** Links made at the shifted threshold minus links at the run's: > 0 gained, < 0 lost. */
  readonly change: number;
}

/**
 * Thresholds are rounded to 1e-9 so that 0.711 − 0.02 is 0.691, not 0.69099999…, which would
 * count a score of exactly 0.691 on the wrong side.
 */
export function shiftedThreshold(threshold: number, shift: number): number {
  return Math.round((threshold + shift) * 1e9) / 1e9;
}

/** 0.01-wide bins from the floor up to 1; a score of exactly 1 falls in the last bin. */
export function scoreHistogram(sorted: Float64Array, floor: number): HistogramBin[] {
  const w = HISTOGRAM_BIN_WIDTH;
  const n = Math.max(1, Math.ceil((1 - floor) / w - 1e-9));
  const counts = new Array<number>(n).fill(0);
  for (const s of sorted) {
    // Scores under the floor should not be in a floor file; they are clamped, not dropped, so
    // the histogram's total always equals the file's row count.
    const k = Math.min(n - 1, Math.max(0, Math.floor((s - floor) / w + 1e-9)));
    counts[k]! += 1;
  }
  return counts.map((count, k) => ({
    from: round(floor + k * w),
    to: round(Math.min(1, floor + (k + 1) * w)),
    count,
  }));
}

/** 0.1-wide bands from the floor, and exact matches (score 1) on their own. */
export function scoreBands(sorted: Float64Array, floor: number, threshold: number): ScoreBand[] {
  const edges = [floor];
  for (let e = Math.floor(floor * 10 + 1e-9) / 10 + 0.1; e < 1 - 1e-9; e += 0.1) edges.push(round(e));
  edges.push(1);
  const bands: ScoreBand[] = [];
  for (let k = 0; k + 1 < edges.length; k++) {
    const from = edges[k]!;
    const to = edges[k + 1]!;
    bands.push(band(sorted, from, to, threshold));
  }
  bands.push({
    from: 1,
    to: 1,
    count: countAtLeast(sorted, 1),
    links: countAtLeast(sorted, Math.max(1, threshold)),
  });
  return bands;
}

function band(sorted: Float64Array, from: number, to: number, threshold: number): ScoreBand {
  const count = countAtLeast(sorted, from) - countAtLeast(sorted, to);
  const lo = Math.max(from, threshold);
  const links = lo >= to ? 0 : countAtLeast(sorted, lo) - countAtLeast(sorted, to);
  return { from, to, count, links };
}

export function thresholdShifts(sorted: Float64Array, threshold: number): ThresholdShift[] {
  const base = countAtLeast(sorted, threshold);
  return THRESHOLD_SHIFTS.map((shift) => {
    const t = shiftedThreshold(threshold, shift);
    const links = countAtLeast(sorted, t);
    return { shift, threshold: t, links, change: links - base };
  });
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
