/**
 * Automatic match threshold for one-to-one linkage, chosen without ground truth, with honest
 * estimates of precision and recall at any threshold.
 *
 *   const links = oneToOne(candidates, { leftCount, rightCount, threshold: 0.5 });   // low floor
 *   const r = runnerUps(candidates, links, leftCount, rightCount);                     // runnerUps.ts
 *   const choice = chooseThreshold({ scores: links.score, leftRunnerUp: r.left,
 *     rightRunnerUp: r.right, length: links.length, floor: 0.5, leftCount, rightCount });
 *   choice.threshold; choice.estimatedPrecision; estimateAt(choice.model, choice.threshold + 0.02);
 *
 * Model. Greedy one-to-one links at threshold t are exactly the links made at a lower floor
 * that score ≥ t, so every threshold is a cut of one score list. A false link joins a record
 * whose true partner is absent to its best non-matching record, so its score is distributed
 * like "the best non-match score of a record" (the null). That distribution is observed
 * directly: for a link that is surely a match, each end's best *other* candidate (its runner-up)
 * is exactly such a best non-match. So:
 *   1. confident links = links scoring above (almost) every runner-up;
 *   2. null tail G(t) = share of their runner-ups (both ends) scoring ≥ t, kernel-smoothed;
 *   3. null scale c = how many links the null contributes, fitted to the shape of the links
 *      below the null's 99th percentile: links = c·null + matches, matches non-decreasing in
 *      score (scaleFit.ts); unlinked records add evidence (an unmatched record stays unlinked
 *      with probability 1 − G(floor)). A null-shaped bump is read as false links, a smoothly
 *      rising count (FEBRL4's hardest true pairs) as matches;
 *   4. above the null's 99th percentile, true links ≥ t = links ≥ t − c·G(t) (kept monotone);
 *      below it the null's body is not trusted (one-to-one conflicts push false links below
 *      their record's best non-match), so matches there are extrapolated from the decline of
 *      the match count just above it, never more than the links the null leaves unexplained;
 *   5. the threshold maximises the estimated F1 (ties: the lowest, i.e. the higher recall).
 * Matches scoring below the floor are invisible to this model: estimated recall is relative to
 * the matches the floor admits, so the floor should sit well below any plausible threshold.
 *
 * Many-to-one links (each left record to its best right record, `solution: 'many-to-one'`) are
 * modelled the same way with the left ends only: a false link scores exactly its left record's
 * best non-match, which is what a surely-matched left record's runner-up samples; right ends
 * take any number of left records, so their runner-ups say nothing about false links. Fit the
 * model on the solution the threshold is applied to: a one-to-one fit applied to many-to-one
 * links misses every unmatched record whose best non-match a true link had already taken
 * (at a million records, two thirds of them), and the one-to-one null, sampled from both ends,
 * is not the left ends' null.
 *
 * Everything after one pass over the links works on a 0.001-wide score grid (scoreGrid.ts):
 * deterministic, no sorting, a few milliseconds for a million links.
 */
import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';
import { fitNullScale } from './scaleFit.js';
import {
  binOf,
  edgeOf,
  GRID_BIN_WIDTH,
  GRID_BINS,
  histogram,
  quantileBin,
  smooth,
  tailSums,
} from './scoreGrid.js';

/** Defaults of the model, in one place (scores are Dice coefficients in [0, 1]). */
export const THRESHOLD_DEFAULTS = {
  /** A link is "confident" when it scores at or above this quantile of all runner-ups. */
  confidentQuantile: 0.999,
  /** Below this many confident links the null sample is too small; all links are used instead. */
  minConfident: 20,
  /** Gaussian kernel bandwidth for the null sample (score units): smooths its sparse tail. */
  nullBandwidth: 0.01,
  /** Width (score units) of the windows the null's scale is fitted on. */
  fitWindow: 0.01,
  /** Grid steps between 0 and the largest admissible scale. */
  fitSteps: 400,
  /** Null quantile below which matches are extrapolated rather than read off the null's body. */
  referenceQuantile: 0.99,
  /** Width (score units) of the two windows above the reference edge whose match counts set
   * the geometric decline extended below it. */
  extrapolationWidth: 0.05,
} as const;

export interface ThresholdInput {
  /** Scores of the one-to-one links made at `floor`: entries [0, length). */
  readonly scores: Float64Array;
  /** Per link: the best score of its left record with any other right record (< floor if none). */
  readonly leftRunnerUp: Float64Array;
  /** Per link: the best score of its right record with any other left record (< floor if none). */
  readonly rightRunnerUp: Float64Array;
  readonly length: number;
  /** The threshold the links were made at; every score is ≥ floor. */
  readonly floor: number;
  /** Records on each side (linked or not). */
  readonly leftCount: number;
  readonly rightCount: number;
  /**
   * What the links are. 'one-to-one' (default): greedy one-to-one links, whose two ends both
   * sample the null. 'many-to-one': each left record's best right record (a right record may
   * take many), so a false link scores exactly its left record's best non-match, there are no
   * conflicts, and only left runner-ups sample the null (rightRunnerUp is ignored).
   */
  readonly solution?: 'one-to-one' | 'many-to-one';
}

export interface ThresholdModel {
  readonly floor: number;
  readonly binWidth: number;
  /** linkTail[k] = links scoring ≥ edge k (k·binWidth). */
  readonly linkTail: Float64Array;
  /** truePositives[k] = estimated true links ≥ edge k (non-increasing in k). */
  readonly truePositives: Float64Array;
  /** nullTail[k] = estimated share of the null (best non-match score) ≥ edge k. */
  readonly nullTail: Float64Array;
  /** Estimated number of links the null contributes at the floor (c). */
  readonly nullScale: number;
  /** Estimated true matches among the links at the floor. */
  readonly estimatedMatches: number;
  readonly links: number;
  /** Confident links (score ≥ confidentFrom), whose runner-ups sampled the null. */
  readonly confidentLinks: number;
  readonly confidentFrom: number;
  /** Runner-ups in the null sample (two per confident link). */
  readonly nullSample: number;
}

export interface Estimate {
  readonly threshold: number;
  readonly links: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falseNegatives: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface ThresholdChoice {
  readonly threshold: number;
  /** 'null-mixture': F1-optimal cut of the model; 'no-matches': the model finds no true links. */
  readonly method: 'null-mixture' | 'no-matches';
  readonly estimatedPrecision: number;
  readonly estimatedRecall: number;
  readonly estimatedF1: number;
  readonly model: ThresholdModel;
}

const scalars = z.object({
  length: z.number().int().min(0),
  floor: z.number().min(0).max(1),
  leftCount: z.number().int().min(0),
  rightCount: z.number().int().min(0),
});

function checkInput(input: ThresholdInput): void {
  const r = scalars.safeParse(input);
  if (!r.success) throw new CohortlinkError('CL_USAGE', 'threshold input is invalid', issuesFromZod(r.error));
  const short = (['scores', 'leftRunnerUp', 'rightRunnerUp'] as const).filter(
    (k) => input[k].length < input.length,
  );
  if (short.length > 0)
    throw new CohortlinkError(
      'CL_USAGE',
      'threshold input arrays are shorter than length',
      short.map((k) => ({
        path: `$.${k}`,
        message: `has ${input[k].length} entries, length is ${input.length}`,
      })),
    );
  if (input.solution === 'many-to-one') {
    if (input.length > input.leftCount)
      throw new CohortlinkError('CL_USAGE', 'more many-to-one links than left records', [
        { path: '$.length', message: `${input.length} > leftCount` },
      ]);
  } else if (input.length > Math.min(input.leftCount, input.rightCount))
    throw new CohortlinkError('CL_USAGE', 'more one-to-one links than records on one side', [
      { path: '$.length', message: `${input.length} > min(leftCount, rightCount)` },
    ]);
  for (let i = 0; i < input.length; i++) {
    const s = input.scores[i]!;
    if (!(s >= input.floor && s <= 1))
      throw new CohortlinkError('CL_USAGE', 'a link score is outside [floor, 1]', [
        { path: `$.scores[${i}]`, message: `${s} is not in [${input.floor}, 1]` },
      ]);
  }
}

/** Runner-ups of the links in [from, ...), both ends, as one histogram (censored values count in `under`). */
function runnerUpHistogram(input: ThresholdInput, minScore: number): { counts: Float64Array; total: number } {
  const counts = new Float64Array(GRID_BINS);
  let total = 0;
  const add = (v: number) => {
    total++;
    if (v >= input.floor) counts[binOf(v)]!++;
  };
  const both = input.solution !== 'many-to-one';
  for (let i = 0; i < input.length; i++) {
    if (!(input.scores[i]! >= minScore)) continue;
    add(input.leftRunnerUp[i]!);
    if (both) add(input.rightRunnerUp[i]!);
  }
  return { counts, total };
}

export function chooseThreshold(input: ThresholdInput): ThresholdChoice {
  checkInput(input);
  const d = THRESHOLD_DEFAULTS;
  const floorBin = binOf(input.floor);
  const linkTail = tailSums(histogram(input.scores, input.length, input.floor).counts);
  const links = input.length;

  // 1. Confident links: above the confidentQuantile of every runner-up.
  const all = runnerUpHistogram(input, -Infinity);
  const confBin = Math.max(floorBin, quantileBin(tailSums(all.counts), all.total, d.confidentQuantile));
  let confidentFrom = edgeOf(confBin);
  let confidentLinks = linkTail[confBin]!;
  // Too few to sample the null: sample it from every link instead, and then no link is known
  // to be a match (which the record-count bound below must not assume).
  const fallback = confidentLinks < d.minConfident;
  if (fallback) {
    confidentFrom = input.floor;
    confidentLinks = links;
  }

  // 2. The null tail from the confident links' runner-ups.
  const sample = runnerUpHistogram(input, confidentFrom);
  const nullTail = new Float64Array(GRID_BINS + 1);
  if (sample.total > 0) {
    const t = tailSums(smooth(sample.counts, d.nullBandwidth, floorBin));
    for (let k = 0; k <= GRID_BINS; k++) nullTail[k] = t[k]! / sample.total;
  }

  // 3. Scale: fitted to the shape of the links below the reference edge (scaleFit.ts), at most
  // the records that can be unmatched.
  const ref = Math.max(floorBin, quantileBin(nullTail, 1, d.referenceQuantile));
  const m2o = input.solution === 'many-to-one';
  const records = m2o ? input.leftCount : Math.min(input.leftCount, input.rightCount);
  const unlinked = Math.max(0, records - links);
  const maxScale = Math.max(0, records - (fallback ? 0 : confidentLinks));
  const nullScale = fitNullScale({
    linkTail,
    nullTail,
    fromBin: floorBin,
    toBin: Math.max(ref, floorBin + 1),
    windowBins: Math.round(d.fitWindow / GRID_BIN_WIDTH),
    maxScale,
    unlinked,
    steps: d.fitSteps,
  });

  // 4. True links per edge. At and above the reference edge (the null's upper part): links
  // minus the null's share, kept non-increasing as the threshold rises.
  const truePositives = new Float64Array(GRID_BINS + 1);
  for (let k = GRID_BINS - 1; k >= ref; k--) {
    const raw = linkTail[k]! - nullScale * nullTail[k]!;
    truePositives[k] = Math.min(linkTail[k]!, Math.max(truePositives[k + 1]!, raw, 0));
  }
  // Below it the null's body is not trusted (see 3), so matches there are the links the null
  // leaves unexplained, but (when the null puts any links there at all) no more than the match
  // count's decline above the reference edge predicts when extended downwards.
  const w = Math.round(d.extrapolationWidth / GRID_BIN_WIDTH);
  const nullBody = nullScale * (nullTail[floorBin]! - nullTail[ref]!);
  const below =
    nullBody >= 1 ? matchesBelow(truePositives, ref, w, (ref - floorBin) / w) : Number.POSITIVE_INFINITY;
  for (let k = ref - 1; k >= floorBin; k--) {
    const excess = Math.max(0, linkTail[k]! - linkTail[ref]! - nullScale * (nullTail[k]! - nullTail[ref]!));
    truePositives[k] = Math.min(
      linkTail[k]!,
      Math.max(truePositives[k + 1]!, truePositives[ref]! + Math.min(excess, below)),
    );
  }
  const estimatedMatches = truePositives[floorBin]!;
  const model: ThresholdModel = {
    floor: input.floor,
    binWidth: GRID_BIN_WIDTH,
    linkTail,
    truePositives,
    nullTail,
    nullScale,
    estimatedMatches,
    links,
    confidentLinks,
    confidentFrom,
    nullSample: sample.total,
  };

  if (estimatedMatches < 0.5) {
    // Nothing to link: a threshold above every link.
    let top = GRID_BINS - 1;
    while (top > floorBin && linkTail[top] === 0) top--;
    const threshold = Math.min(1, edgeOf(top + 1));
    return {
      threshold,
      method: 'no-matches',
      estimatedPrecision: 1,
      estimatedRecall: 0,
      estimatedF1: 0,
      model,
    };
  }

  // 5. The F1-optimal edge; ties go to the lowest (highest recall).
  let best = floorBin;
  let bestF1 = -1;
  for (let k = floorBin; k < GRID_BINS; k++) {
    const f1 = (2 * truePositives[k]!) / (linkTail[k]! + estimatedMatches);
    if (f1 > bestF1 + 1e-12) {
      bestF1 = f1;
      best = k;
    }
  }
  const threshold = Math.max(input.floor, edgeOf(best));
  const e = estimateAt(model, threshold);
  return {
    threshold,
    method: 'null-mixture',
    estimatedPrecision: e.precision,
    estimatedRecall: e.recall,
    estimatedF1: e.f1,
    model,
  };
}

/** The model's estimate of the links a threshold keeps (to the grid's 0.001; below the floor, the floor's). */
export function estimateAt(model: ThresholdModel, threshold: number): Estimate {
  const k =
    threshold <= model.floor
      ? binOf(model.floor)
      : Math.min(GRID_BINS, Math.ceil(threshold / GRID_BIN_WIDTH - 1e-9));
  const links = model.linkTail[k]!;
  const tp = model.truePositives[k]!;
  const m = model.estimatedMatches;
  const precision = links > 0 ? tp / links : 1;
  const recall = m > 0 ? tp / m : 0;
  return {
    threshold,
    links,
    truePositives: tp,
    falsePositives: links - tp,
    falseNegatives: m - tp,
    precision,
    recall,
    f1: links + m > 0 ? (2 * tp) / (links + m) : 0,
  };
}

/**
 * Matches expected below edge `ref`: the counts m1 in [ref, ref+w) and m2 in [ref+w, ref+2w)
 * decline by r = m1/m2 per window going down; the geometric series m1·r/(1−r) sums the rest.
 * A flat or rising count (r ≥ 1) is extended flat over the `windows` windows down to the floor.
 */
function matchesBelow(truePositives: Float64Array, ref: number, w: number, windows: number): number {
  const at = (k: number) => truePositives[Math.min(k, truePositives.length - 1)]!;
  const m1 = at(ref) - at(ref + w);
  const m2 = at(ref + w) - at(ref + 2 * w);
  if (m1 <= 0) return 0;
  if (m2 <= m1) return m1 * windows;
  const r = m1 / m2;
  return (m1 * r) / (1 - r);
}
