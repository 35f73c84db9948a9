/**
 * The run's threshold: fixed by the user, or chosen from the data (threshold/autoThreshold.ts)
 * from the scores of the greedy links made at the floor and each linked record's runner-up —
 * the links at threshold t are exactly those scoring ≥ t, so their score distribution is what
 * the choice is about. Either way the model's estimates are reported (a fixed threshold gets
 * the estimated precision and recall at that threshold), plus the estimates at t ± 0.02 and
 * ± 0.05 that reviewers ask for.
 */

import * as fs from 'node:fs';
import type { CandidateArrays, Links } from '../solve/types.js';
import {
  chooseThreshold,
  type Estimate,
  estimateAt,
  runnerUps,
  type ThresholdModel,
} from '../threshold/index.js';

export interface ThresholdDecision {
  readonly threshold: number;
  readonly method: 'fixed' | 'null-mixture' | 'no-matches';
  readonly estimatedPrecision: number;
  readonly estimatedRecall: number;
  readonly estimatedF1: number;
  /** Estimates at nearby thresholds (t − 0.05 … t + 0.05). */
  readonly around: readonly Estimate[];
  /** The fitted model's summary (no per-record data). */
  readonly model: Omit<ThresholdModel, 'linkTail' | 'truePositives' | 'nullTail'>;
}

export interface ThresholdEvidence {
  readonly candidates: CandidateArrays;
  readonly links: Links;
  readonly leftCount: number;
  readonly rightCount: number;
}

const AROUND = [-0.05, -0.02, 0, 0.02, 0.05];

export function decideThreshold(
  evidence: readonly ThresholdEvidence[],
  requested: number | 'auto',
  floor: number,
): ThresholdDecision & { readonly fullModel: ThresholdModel } {
  // Several dataset pairs (multi-party runs) pool their links: one threshold for the run.
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
  if (process.env.CL_THR_DUMP) {
    const d = process.env.CL_THR_DUMP;
    fs.mkdirSync(d, { recursive: true });
    const e0 = evidence[0]!;
    const r0 = runnerUps(e0.candidates, e0.links, e0.leftCount, e0.rightCount);
    const w = (n: string, a: ArrayBufferView & { byteLength: number }) => fs.writeFileSync(`${d}/${n}`, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    w('left.u32', e0.links.left.subarray(0, e0.links.length));
    w('right.u32', e0.links.right.subarray(0, e0.links.length));
    w('score.f64', e0.links.score.subarray(0, e0.links.length));
    w('lru.f64', r0.left); w('rru.f64', r0.right);
    w('ca.u32', e0.candidates.aIndex.subarray(0, e0.candidates.length));
    w('cb.u32', e0.candidates.bIndex.subarray(0, e0.candidates.length));
    w('cs.f64', e0.candidates.score.subarray(0, e0.candidates.length));
    fs.writeFileSync(`${d}/meta.json`, JSON.stringify({ leftCount: e0.leftCount, rightCount: e0.rightCount }));
  }
  const choice = chooseThreshold({
    scores,
    leftRunnerUp,
    rightRunnerUp,
    length,
    floor,
    leftCount,
    rightCount,
  });
  const threshold = requested === 'auto' ? choice.threshold : requested;
  const at0 = requested === 'auto' ? choice : estimateAt(choice.model, threshold);
  const { linkTail: _l, truePositives: _t, nullTail: _n, ...model } = choice.model;
  return {
    threshold,
    method: requested === 'auto' ? choice.method : 'fixed',
    estimatedPrecision: requested === 'auto' ? choice.estimatedPrecision : (at0 as Estimate).precision,
    estimatedRecall: requested === 'auto' ? choice.estimatedRecall : (at0 as Estimate).recall,
    estimatedF1: requested === 'auto' ? choice.estimatedF1 : (at0 as Estimate).f1,
    around: AROUND.map((d) => threshold + d)
      .filter((t) => t >= floor && t <= 1)
      .map((t) => estimateAt(choice.model, t)),
    model,
    fullModel: choice.model,
  };
}
