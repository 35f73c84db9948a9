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
 *      score and never denser than just above that percentile (scaleFit.ts); unlinked records
 *      add evidence (an unmatched record stays unlinked with probability 1 − G(floor)). A
 *      null-shaped bump is read as false links, a smoothly rising count (FEBRL4's hardest true
 *      pairs) as matches. In many-to-one linkage the null may also sit lower than the runner-ups
 *      say (the shift δ, fitted with c; scaleFit.ts explains why);
 *   4. above the null's 99th percentile, true links ≥ t = links ≥ t − c·G(t) (kept monotone);
 *      below it the null's body is not trusted (one-to-one conflicts push false links below
 *      their record's best non-match), so matches there are extrapolated from the decline of
 *      the match count just above it, never more than the links the null leaves unexplained;
 *   5. uncertainty: the same fit on 100 Poisson resamples of the link scores, the null sample
 *      and the unlinked count (seeded: a run's figures are reproducible);
 *   6. the threshold maximises the estimated F1 averaged over the fit and its resamples, so a
 *      cut the data barely supports (a floor that a handful of links sit on) is weighed by how
 *      likely it is to be wrong (ties: the lowest, i.e. the higher recall);
 *   7. intervals (intervalsAt): per resample, the run's own counts of false links kept and
 *      matches left out drawn around the fit's expectations, widened by the model error
 *      measured on generated populations (THRESHOLD_DEFAULTS.modelErrorFactor) and, for recall,
 *      by the most matches the assumptions allow below the 99th percentile. A handful of links
 *      gives a wide interval; a million a narrow one.
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
import { seededRandom } from '../../seededRandom.js';
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
  /** Width (score units) above the reference edge whose match density caps the density below it. */
  capWidth: 0.02,
  /** Grid steps between 0 and the largest admissible scale. */
  fitSteps: 400,
  /** Null quantile below which matches are extrapolated rather than read off the null's body. */
  referenceQuantile: 0.99,
  /** Width (score units) of the two windows above the reference edge whose match counts set
   * the geometric decline extended below it. */
  extrapolationWidth: 0.05,
  /**
   * Windows below the reference edge over which the recall interval's low end lets the match
   * density stay flat instead of declining (set on generated populations of 1,000–20,000
   * people, both modes, where matches hidden in the null's body were up to 1 % of them).
   */
  flatWindows: 2,
  /** How far (score units) the unmatched records' null may sit below the runner-up sample, and in what steps. */
  maxShift: 0.08,
  shiftStep: 0.005,
  /** Resampled fits behind the intervals and the threshold choice. */
  replicates: 100,
  /**
   * How far the model's counts of false links kept and of matches left out may be from the
   * real ones, either way: the intervals take it in besides sampling noise. Set on generated
   * populations (200 to 1,000,000 people, both modes): at a million records, where resampling
   * shows almost nothing, the model's false links were 1.8× the real ones and its missed
   * matches 0.4× (one-to-one, 1 M people, bench/threshold-eval.ts).
   */
  modelErrorFactor: 3,
  /** Coverage of the reported intervals. */
  intervalLevel: 0.95,
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
  /** The most the model's assumptions allow (match density flat below the reference edge). */
  readonly estimatedMatchesAtMost: number;
  readonly links: number;
  /** Confident links (score ≥ confidentFrom), whose runner-ups sampled the null. */
  readonly confidentLinks: number;
  readonly confidentFrom: number;
  /** Runner-ups in the null sample (two per confident link). */
  readonly nullSample: number;
  /** Of which at or above the floor (the rest are censored): what the null's shape is read from. */
  readonly nullSampleAboveFloor: number;
  /** Where the unmatched records' null sits relative to the runner-ups (≤ 0, score units). */
  readonly nullShift: number;
}

export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The resampled fits: what the intervals at any threshold are read from. */
export interface ThresholdUncertainty {
  readonly replicates: readonly ThresholdModel[];
  readonly level: number;
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
  /** Central intervals (THRESHOLD_DEFAULTS.intervalLevel) of the estimates, from resampled fits. */
  readonly precisionInterval: Interval;
  readonly recallInterval: Interval;
  readonly f1Interval: Interval;
  readonly model: ThresholdModel;
  readonly uncertainty: ThresholdUncertainty;
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

/** What one fit reads: the link and null-sample histograms and the record counts. */
interface Observed {
  readonly linkCounts: Float64Array;
  /** Runner-ups of the confident links at or above the floor, per bin; `nullTotal` counts censored ones too. */
  readonly nullCounts: Float64Array;
  readonly nullTotal: number;
  readonly unlinked: number;
  readonly records: number;
  readonly confidentLinks: number;
  readonly confidentFrom: number;
  /** No confident links: the null was sampled from every link, and no link is known to be a match. */
  readonly fallback: boolean;
  readonly floor: number;
  readonly manyToOne: boolean;
}

/** The fitted model on the grid. */
function fitModel(o: Observed): ThresholdModel {
  const d = THRESHOLD_DEFAULTS;
  const floorBin = binOf(o.floor);
  const linkTail = tailSums(o.linkCounts);
  const links = linkTail[0]!;

  // The null tail from the runner-ups, and its copies shifted down (see scaleFit.ts).
  const sampled = new Float64Array(GRID_BINS + 1);
  if (o.nullTotal > 0) {
    const t = tailSums(smooth(o.nullCounts, d.nullBandwidth, floorBin));
    for (let k = 0; k <= GRID_BINS; k++) sampled[k] = t[k]! / o.nullTotal;
  }
  const shiftBins = Math.round(d.shiftStep / GRID_BIN_WIDTH);
  // Only many-to-one fits a shift: there the unlinked records pin the null's mass at the floor
  // (scaleFit.ts); one-to-one conflicts blur that evidence, and fitting a shift to the null's
  // body there moved its tail on the public tasks.
  const shifts = o.manyToOne ? Math.round(d.maxShift / d.shiftStep) + 1 : 1;
  const nullTails: Float64Array[] = [];
  const refs: number[] = [];
  for (let s = 0; s < shifts; s++) {
    const by = s * shiftBins;
    const tail = new Float64Array(GRID_BINS + 1);
    for (let k = 0; k <= GRID_BINS; k++) tail[k] = sampled[Math.min(GRID_BINS, k + by)]!;
    nullTails.push(tail);
    refs.push(Math.max(floorBin + 1, quantileBin(tail, 1, d.referenceQuantile)));
  }

  // Scale and shift: fitted to the shape of the links below the reference edge, at most the
  // records that can be unmatched.
  const maxScale = Math.max(0, o.records - (o.fallback ? 0 : o.confidentLinks));
  const fit = fitNullScale({
    linkTail,
    nullTails,
    fromBin: floorBin,
    toBin: refs,
    windowBins: Math.round(d.fitWindow / GRID_BIN_WIDTH),
    capBins: Math.round(d.capWidth / GRID_BIN_WIDTH),
    maxScale,
    unlinked: o.unlinked,
    unlinkedExact: o.manyToOne,
    steps: d.fitSteps,
  });
  const nullScale = fit.scale;
  const nullTail = nullTails[fit.shift]!;
  const ref = Math.max(floorBin, quantileBin(nullTail, 1, d.referenceQuantile));

  // True links per edge. At and above the reference edge (the null's upper part): links minus
  // the null's share, kept non-increasing as the threshold rises.
  const truePositives = new Float64Array(GRID_BINS + 1);
  for (let k = GRID_BINS - 1; k >= ref; k--) {
    const raw = linkTail[k]! - nullScale * nullTail[k]!;
    truePositives[k] = Math.min(linkTail[k]!, Math.max(truePositives[k + 1]!, raw, 0));
  }
  // Below it the null's body is not trusted (one-to-one conflicts push false links below their
  // record's best non-match), so matches there are the links the null leaves unexplained, but
  // (when the null puts any links there at all) no more than the match count's decline above
  // the reference edge predicts when extended downwards.
  const w = Math.round(d.extrapolationWidth / GRID_BIN_WIDTH);
  const nullBody = nullScale * (nullTail[floorBin]! - nullTail[ref]!);
  const below =
    nullBody >= 1
      ? matchesBelow(truePositives, ref, w, (ref - floorBin) / w, false)
      : Number.POSITIVE_INFINITY;
  // The most matches the same assumption allows below the edge: their density flat (not
  // declining) down to the floor. Only the recall interval's low end reads it.
  const belowAtMost =
    nullBody >= 1
      ? matchesBelow(truePositives, ref, w, Math.min((ref - floorBin) / w, d.flatWindows), true)
      : Number.POSITIVE_INFINITY;
  for (let k = ref - 1; k >= floorBin; k--) {
    const excess = Math.max(0, linkTail[k]! - linkTail[ref]! - nullScale * (nullTail[k]! - nullTail[ref]!));
    truePositives[k] = Math.min(
      linkTail[k]!,
      Math.max(truePositives[k + 1]!, truePositives[ref]! + Math.min(excess, below)),
    );
  }
  const excessAtFloor = Math.max(
    0,
    linkTail[floorBin]! - linkTail[ref]! - nullScale * (nullTail[floorBin]! - nullTail[ref]!),
  );
  const estimatedMatches = truePositives[floorBin]!;
  return {
    floor: o.floor,
    binWidth: GRID_BIN_WIDTH,
    linkTail,
    truePositives,
    estimatedMatchesAtMost: Math.max(
      estimatedMatches,
      Math.min(linkTail[floorBin]!, truePositives[ref]! + Math.min(excessAtFloor, belowAtMost)),
    ),
    nullTail,
    nullScale,
    nullShift: -fit.shift * shiftBins * GRID_BIN_WIDTH,
    estimatedMatches,
    links,
    confidentLinks: o.confidentLinks,
    confidentFrom: o.confidentFrom,
    nullSample: o.nullTotal,
    nullSampleAboveFloor: o.nullCounts.reduce((a, b) => a + b, 0),
  };
}

/** F1 at edge k of a model (its own links and matches). */
function f1At(m: ThresholdModel, k: number): number {
  const denominator = m.linkTail[k]! + m.estimatedMatches;
  return denominator > 0 ? (2 * m.truePositives[k]!) / denominator : 0;
}

export function chooseThreshold(input: ThresholdInput): ThresholdChoice {
  checkInput(input);
  const d = THRESHOLD_DEFAULTS;
  const floorBin = binOf(input.floor);
  const linkCounts = histogram(input.scores, input.length, input.floor).counts;
  const links = input.length;

  // 1. Confident links: above the confidentQuantile of every runner-up.
  const all = runnerUpHistogram(input, -Infinity);
  const confBin = Math.max(floorBin, quantileBin(tailSums(all.counts), all.total, d.confidentQuantile));
  let confidentFrom = edgeOf(confBin);
  let confidentLinks = tailSums(linkCounts)[confBin]!;
  // Too few to sample the null: sample it from every link instead, and then no link is known
  // to be a match (which the record-count bound must not assume).
  const fallback = confidentLinks < d.minConfident;
  if (fallback) {
    confidentFrom = input.floor;
    confidentLinks = links;
  }
  // 2. The null sample: the confident links' runner-ups.
  const sample = runnerUpHistogram(input, confidentFrom);
  const manyToOne = input.solution === 'many-to-one';
  const records = manyToOne ? input.leftCount : Math.min(input.leftCount, input.rightCount);
  const observed: Observed = {
    linkCounts,
    nullCounts: sample.counts,
    nullTotal: sample.total,
    unlinked: Math.max(0, records - links),
    records,
    confidentLinks,
    confidentFrom,
    fallback,
    floor: input.floor,
    manyToOne,
  };
  const model = fitModel(observed);

  // 3. Uncertainty: the same fit on Poisson-resampled links, null sample and unlinked count.
  const replicates = bootstrap(observed, d.replicates);
  const uncertainty: ThresholdUncertainty = {
    replicates,
    level: d.intervalLevel,
  };

  if (model.estimatedMatches < 0.5) {
    // Nothing to link: a threshold above every link.
    let top = GRID_BINS - 1;
    while (top > floorBin && model.linkTail[top] === 0) top--;
    const threshold = Math.min(1, edgeOf(top + 1));
    const e = estimateAt(model, threshold);
    return {
      threshold,
      method: 'no-matches',
      estimatedPrecision: 1,
      estimatedRecall: 0,
      estimatedF1: 0,
      model,
      uncertainty,
      ...intervalsAt(uncertainty, threshold, e),
    };
  }

  // 4. The threshold of highest F1 on average over the fit and its replicates, so that a cut
  // the data barely supports (a floor a handful of links sit on) is weighed by how likely it
  // is to be wrong; ties go to the lowest (highest recall).
  let best = floorBin;
  let bestF1 = -1;
  for (let k = floorBin; k < GRID_BINS; k++) {
    let f1 = f1At(model, k);
    for (const r of replicates) f1 += f1At(r, k);
    f1 /= replicates.length + 1;
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
    uncertainty,
    ...intervalsAt(uncertainty, threshold, e),
  };
}

/** Poisson resampling of every count the fit reads; seeded, so a run's intervals are reproducible. */
function bootstrap(o: Observed, n: number): ThresholdModel[] {
  const poisson = poissonSampler(seededRandom(0x5eed));
  const resample = (counts: Float64Array): Float64Array => {
    const out = new Float64Array(counts.length);
    for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) out[k] = poisson(counts[k]!);
    return out;
  };
  const aboveFloor = o.nullCounts.reduce((a, b) => a + b, 0);
  const out: ThresholdModel[] = [];
  for (let r = 0; r < n; r++) {
    const nullCounts = resample(o.nullCounts);
    const censored = poisson(o.nullTotal - aboveFloor);
    const linkCounts = resample(o.linkCounts);
    let links = 0;
    for (const c of linkCounts) links += c;
    const unlinked = poisson(o.unlinked);
    out.push(
      fitModel({
        ...o,
        linkCounts,
        nullCounts,
        nullTotal: censored + nullCounts.reduce((a, b) => a + b, 0),
        unlinked,
        records: links + unlinked,
        confidentLinks: Math.min(o.confidentLinks, links),
      }),
    );
  }
  return out;
}

/** Poisson draws from a uniform generator (normal approximation above 30). */
function poissonSampler(rnd: () => number): (lambda: number) => number {
  return (lambda) => {
    if (!(lambda > 0)) return 0;
    if (lambda > 30) {
      const z = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
      return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
    }
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rnd();
    while (p > limit) {
      k++;
      p *= rnd();
    }
    return k;
  };
}

/** The central `level` interval of a sample, by order statistics. */
function centralInterval(values: number[], level: number): Interval {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { low: 0, high: 1 };
  const tail = (1 - level) / 2;
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.floor(q * (v.length - 1) + 0.5)))]!;
  return { low: at(tail), high: at(1 - tail) };
}

/**
 * Intervals of precision, recall and F1 at a threshold, for the run's own links: per resampled
 * fit, the false links kept and the matches left out are drawn as Poisson counts around the
 * fit's expectations (a run's real precision is one draw, not the mean), so a cut expected to
 * keep 0.3 false links admits precision 1. The recall interval's low end also allows the most
 * matches below the threshold that the model's assumptions permit (estimatedMatchesAtMost).
 * Every interval holds its point estimate.
 */
export function intervalsAt(
  u: ThresholdUncertainty,
  threshold: number,
  point: Estimate,
): { precisionInterval: Interval; recallInterval: Interval; f1Interval: Interval } {
  const rnd = seededRandom(0xc0ffee ^ Math.round(threshold * 1e6));
  const poisson = poissonSampler(rnd);
  const links = point.links;
  const precision: number[] = [];
  const recall: number[] = [];
  const recallLow: number[] = [];
  const f1: number[] = [];
  for (const m of u.replicates) {
    const e = estimateAt(m, threshold);
    const fpRate = e.links > 0 ? e.falsePositives / e.links : 0;
    for (let draw = 0; draw < REALISATIONS; draw++) {
      const fp = Math.min(links, poisson(fpRate * links));
      const tp = links - fp;
      const fn = poisson(Math.max(0, e.falseNegatives));
      const fnAtMost = poisson(Math.max(0, m.estimatedMatchesAtMost - e.truePositives));
      precision.push(links > 0 ? tp / links : 1);
      recall.push(tp + fn > 0 ? tp / (tp + fn) : 0);
      recallLow.push(tp + fnAtMost > 0 ? tp / (tp + fnAtMost) : 0);
      f1.push(links + tp + fn > 0 ? (2 * tp) / (links + tp + fn) : 0);
    }
  }
  // Model error: the counts of false links kept and matches left out may be off by the factor
  // THRESHOLD_DEFAULTS.modelErrorFactor either way (see there), and the run's own counts vary
  // around those (about ±2√λ, and a couple where λ is near 0); the interval is the hull of that
  // range and the sampling interval.
  const k = THRESHOLD_DEFAULTS.modelErrorFactor;
  const fewer = (lambda: number) => Math.max(0, lambda - 2 * Math.sqrt(lambda));
  const more = (lambda: number) => lambda + 2 * Math.sqrt(lambda) + 2;
  const fpPoint = Math.max(0, point.falsePositives);
  const tpPoint = Math.max(0, point.truePositives);
  const fnPoint = Math.max(0, point.falseNegatives);
  const precisionAt = (fp: number) => (links > 0 ? 1 - Math.min(links, fp) / links : 1);
  const recallAt = (fn: number) => (tpPoint + fn > 0 ? tpPoint / (tpPoint + fn) : 0);
  const hull = (i: Interval, ...xs: number[]): Interval => ({
    low: Math.min(i.low, ...xs),
    high: Math.max(i.high, ...xs),
  });
  const r = centralInterval(recall, u.level);
  const rLow = centralInterval(recallLow, u.level);
  return {
    precisionInterval: hull(
      centralInterval(precision, u.level),
      point.precision,
      precisionAt(more(fpPoint * k)),
      precisionAt(fewer(fpPoint / k)),
    ),
    recallInterval: hull(
      { low: Math.min(r.low, rLow.low), high: r.high },
      point.recall,
      recallAt(more(fnPoint * k)),
      recallAt(fewer(fnPoint / k)),
    ),
    f1Interval: hull(centralInterval(f1, u.level), point.f1),
  };
}

/** Draws per resampled fit behind each interval. */
const REALISATIONS = 10;

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
function matchesBelow(
  truePositives: Float64Array,
  ref: number,
  w: number,
  windows: number,
  flat = false,
): number {
  const at = (k: number) => truePositives[Math.min(k, truePositives.length - 1)]!;
  const m1 = at(ref) - at(ref + w);
  const m2 = at(ref + w) - at(ref + 2 * w);
  if (m1 <= 0) return 0;
  if (flat || m2 <= m1) return m1 * windows;
  const r = m1 / m2;
  return (m1 * r) / (1 - r);
}
