import type { ThresholdInput } from '../../src/matching/threshold/index.js';
import { seededRandom } from '../../src/seededRandom.js';

/**
 * Synthetic one-to-one linkage outcomes with known truth, shaped like real ones: a record's best
 * non-match score is normal around `nullMean`; a matched record's link scores near 1 (an atom
 * at exactly 1 plus a half-normal below, redrawn until it reaches the floor, so that unlinked
 * records are exactly the unmatched ones whose best non-match is below it); an unmatched
 * record links to its best non-match and its runner-up is a little lower. Deterministic.
 */
export interface SyntheticSpec {
  readonly seed: number;
  readonly matches: number;
  readonly unmatched: number;
  readonly nullMean: number;
  readonly nullSd: number;
  /** Spread of match scores below 1. */
  readonly matchSd: number;
  /** Share of matches scoring exactly 1. */
  readonly exact: number;
  readonly floor: number;
}

export interface Synthetic {
  readonly input: ThresholdInput;
  readonly isMatch: Uint8Array;
  readonly matches: number;
}

/** The shared seeded generator, under the name these tests use. */
export const mulberry32 = seededRandom;

export function synthetic(s: SyntheticSpec): Synthetic {
  const rnd = mulberry32(s.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const clip = (x: number) => Math.min(1, Math.max(0, x));
  const nullDraw = () => clip(s.nullMean + s.nullSd * normal());
  const n = s.matches + s.unmatched;
  const scores = new Float64Array(n);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  const isMatch = new Uint8Array(n);
  let k = 0;
  let matchesAboveFloor = 0;
  for (let i = 0; i < s.matches; i++) {
    let score = 1;
    if (rnd() >= s.exact)
      do score = clip(1 - Math.abs(s.matchSd * normal()));
      while (score < s.floor);
    matchesAboveFloor++;
    scores[k] = score;
    left[k] = nullDraw();
    right[k] = nullDraw();
    isMatch[k++] = 1;
  }
  for (let i = 0; i < s.unmatched; i++) {
    const best = nullDraw();
    if (best < s.floor) continue;
    scores[k] = best;
    left[k] = best - 0.02 * rnd();
    right[k++] = nullDraw();
  }
  return {
    input: {
      scores: scores.subarray(0, k),
      leftRunnerUp: left.subarray(0, k),
      rightRunnerUp: right.subarray(0, k),
      length: k,
      floor: s.floor,
      leftCount: n,
      rightCount: n,
    },
    isMatch: isMatch.subarray(0, k),
    matches: matchesAboveFloor,
  };
}

/** Real precision/recall of the links ≥ t. */
export function realAt(x: Synthetic, t: number): { precision: number; recall: number; f1: number } {
  let kept = 0;
  let tp = 0;
  for (let i = 0; i < x.input.length; i++) {
    if (!(x.input.scores[i]! >= t)) continue;
    kept++;
    tp += x.isMatch[i]!;
  }
  const precision = kept > 0 ? tp / kept : 1;
  const recall = x.matches > 0 ? tp / x.matches : 1;
  return {
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
  };
}
