/**
 * Linkage quality against ground truth: precision, recall and F1 of links, and a threshold
 * sweep. Truth is first mapped to record indices (indexTruth) so that checking a link is a
 * binary search in a sorted Float64Array, with no string building or object per link.
 *
 * A sweep is a filter: greedy one-to-one links made at a low floor that score ≥ t are exactly
 * the links the solver would make at threshold t, so one solve serves every threshold.
 */

import { countAtLeast } from './sortedCounts.js';
import type { TruthPairs } from './truth.js';

/** Links as parallel arrays of record indices and scores (the solvers' Links is one). */
export interface ScoredLinks {
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  readonly score: Float64Array;
  readonly length: number;
}

export interface Confusion {
  readonly threshold: number;
  readonly links: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** True pairs as sorted keys left·rightCount + right (exact in a double up to 2^53). */
export class TruthIndex {
  private constructor(
    private readonly keys: Float64Array,
    readonly rightCount: number,
    /** True pairs whose two records are both among the records given. */
    readonly pairs: number,
  ) {}

  static build(truth: TruthPairs, leftRefs: readonly string[], rightRefs: readonly string[]): TruthIndex {
    const leftAt = indexOf(leftRefs);
    const rightAt = indexOf(rightRefs);
    const keys = new Float64Array(truth.left.length);
    let n = 0;
    for (let i = 0; i < truth.left.length; i++) {
      const l = leftAt.get(truth.left[i]!);
      const r = rightAt.get(truth.right[i]!);
      if (l !== undefined && r !== undefined) keys[n++] = l * rightRefs.length + r;
    }
    const sorted = keys.subarray(0, n).sort();
    // Duplicate truth rows name the same pair once.
    let m = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[m++] = sorted[i]!;
    return new TruthIndex(sorted.slice(0, m), rightRefs.length, m);
  }

  has(left: number, right: number): boolean {
    const key = left * this.rightCount + right;
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < keys.length && keys[lo] === key;
  }
}

function indexOf(refs: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  refs.forEach((r, i) => {
    if (!m.has(r)) m.set(r, i);
  });
  return m;
}

export function indexTruth(
  truth: TruthPairs,
  leftRefs: readonly string[],
  rightRefs: readonly string[],
): TruthIndex {
  return TruthIndex.build(truth, leftRefs, rightRefs);
}

function confusion(threshold: number, links: number, tp: number, truePairs: number): Confusion {
  const precision = links > 0 ? tp / links : 1;
  const recall = truePairs > 0 ? tp / truePairs : 1;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    threshold,
    links,
    truePositives: tp,
    falsePositives: links - tp,
    falseNegatives: truePairs - tp,
    precision,
    recall,
    f1,
  };
}

/** Quality of the links scoring ≥ threshold (all links by default). Empty link sets have precision 1. */
export function evaluateLinks(
  links: ScoredLinks,
  truth: TruthIndex,
  threshold = Number.NEGATIVE_INFINITY,
): Confusion {
  let kept = 0;
  let tp = 0;
  for (let i = 0; i < links.length; i++) {
    if (!(links.score[i]! >= threshold)) continue;
    kept++;
    if (truth.has(links.left[i]!, links.right[i]!)) tp++;
  }
  return confusion(threshold, kept, tp, truth.pairs);
}

/** Quality at each threshold: one pass to split scores by truth, a sort, then a binary search each. */
export function sweep(links: ScoredLinks, truth: TruthIndex, thresholds: readonly number[]): Confusion[] {
  const all = Float64Array.from(links.score.subarray(0, links.length)).sort();
  const trueScores = new Float64Array(links.length);
  let n = 0;
  for (let i = 0; i < links.length; i++)
    if (truth.has(links.left[i]!, links.right[i]!)) trueScores[n++] = links.score[i]!;
  const trueSorted = trueScores.subarray(0, n).sort();
  return thresholds.map((t) => confusion(t, countAtLeast(all, t), countAtLeast(trueSorted, t), truth.pairs));
}
