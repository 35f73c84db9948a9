/**
 * The run's threshold: fixed by the user, or chosen from the data (threshold/autoThreshold.ts)
 * from the scores of the greedy links made at the floor and each linked record's runner-up —
 * the links at threshold t are exactly those scoring ≥ t, so their score distribution is what
 * the choice is about. The model is fitted on the solution the threshold cuts (one-to-one, or
 * many-to-one with `mode: 'many-to-one'`). Either way the model's estimates are reported (a
 * fixed threshold gets the estimated precision and recall at that threshold), plus the
 * estimates at t ± 0.02 and ± 0.05 that reviewers ask for.
 */

import { CohortlinkError } from '../../errors.js';
import type { CandidateArrays, Links } from '../solve/types.js';
import {
  chooseThreshold,
  type Estimate,
  estimateAt,
  type Interval,
  intervalsAt,
  runnerUps,
  type ThresholdModel,
} from '../threshold/index.js';

export interface ThresholdDecision {
  readonly threshold: number;
  readonly method: 'fixed' | 'null-mixture' | 'no-matches';
  readonly estimatedPrecision: number;
  readonly estimatedRecall: number;
  readonly estimatedF1: number;
  /** 95 % intervals of the estimates at the threshold (resampled fits; autoThreshold.ts). */
  readonly precisionInterval: Interval;
  readonly recallInterval: Interval;
  readonly f1Interval: Interval;
  /**
   * How much the estimates rest on: 'runner-ups' when the null was sampled from confident links'
   * runner-ups; 'all-links' when too few links were confident and every link's runner-up was
   * used (estimates are then rough, and the intervals say how rough).
   */
  readonly basis: 'runner-ups' | 'all-links';
  /** Estimates at nearby thresholds (t − 0.05 … t + 0.05), each with its intervals. */
  readonly around: readonly (Estimate & ReturnType<typeof intervalsAt>)[];
  /** The fitted model's summary (no per-record data). */
  readonly model: Omit<ThresholdModel, 'linkTail' | 'truePositives' | 'nullTail'>;
}

export interface ThresholdEvidence {
  readonly candidates: CandidateArrays;
  /** The links at the floor that the threshold will cut: the solution of `mode`. */
  readonly links: Links;
  readonly leftCount: number;
  readonly rightCount: number;
  /**
   * What `links` are (default 'one-to-one'). In 'many-to-one' mode pass the many-to-one links at
   * the floor: the model is then fitted on them, with the left records' runner-ups as the null
   * (threshold/autoThreshold.ts). All evidence of one run must share a mode.
   */
  readonly mode?: 'one-to-one' | 'many-to-one';
}

const AROUND = [-0.05, -0.02, 0, 0.02, 0.05];

export function decideThreshold(
  evidence: readonly ThresholdEvidence[],
  requested: number | 'auto',
  floor: number,
): ThresholdDecision & { readonly fullModel: ThresholdModel } {
  // Several dataset pairs (multi-party runs) pool their links: one threshold for the run.
  const solution = evidence[0]?.mode ?? 'one-to-one';
  if (evidence.some((e) => (e.mode ?? 'one-to-one') !== solution))
    throw new CohortlinkError('CL_INTERNAL', 'threshold evidence mixes one-to-one and many-to-one links');
  let length = 0;
  for (const e of evidence) length += e.links.length;
  const scores = new Float64Array(length);
  const leftRunnerUp = new Float64Array(length);
  const rightRunnerUp = new Float64Array(length);
  let leftCount = 0;
  let rightCount = 0;
  let at = 0;
  for (const e of evidence) {
    const r = runnerUps(e.candidates, e.links, e.leftCount, e.rightCount);
    scores.set(e.links.score.subarray(0, e.links.length), at);
    leftRunnerUp.set(r.left, at);
    rightRunnerUp.set(r.right, at);
    at += e.links.length;
    leftCount += e.leftCount;
    rightCount += e.rightCount;
  }
  const choice = chooseThreshold({
    scores,
    leftRunnerUp,
    rightRunnerUp,
    length,
    floor,
    leftCount,
    rightCount,
    solution,
  });
  const threshold = requested === 'auto' ? choice.threshold : requested;
  const withIntervals = (t: number) => {
    const e = estimateAt(choice.model, t);
    return { ...e, ...intervalsAt(choice.uncertainty, t, e) };
  };
  const at0 =
    requested === 'auto'
      ? {
          precision: choice.estimatedPrecision,
          recall: choice.estimatedRecall,
          f1: choice.estimatedF1,
          precisionInterval: choice.precisionInterval,
          recallInterval: choice.recallInterval,
          f1Interval: choice.f1Interval,
        }
      : withIntervals(threshold);
  const { linkTail: _l, truePositives: _t, nullTail: _n, ...model } = choice.model;
  return {
    threshold,
    method: requested === 'auto' ? choice.method : 'fixed',
    estimatedPrecision: at0.precision,
    estimatedRecall: at0.recall,
    estimatedF1: at0.f1,
    precisionInterval: at0.precisionInterval,
    recallInterval: at0.recallInterval,
    f1Interval: at0.f1Interval,
    basis: model.confidentFrom > floor ? 'runner-ups' : 'all-links',
    around: AROUND.map((d) => threshold + d)
      .filter((t) => t >= floor && t <= 1)
      .map(withIntervals),
    model,
    fullModel: choice.model,
  };
}
