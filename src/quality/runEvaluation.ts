/**
 * Evaluation mode of a run: with ground truth supplied, the real precision, recall and F1 of
 * each dataset pair's links, the precision–recall curve over thresholds (prCurve.ts) with the
 * best F1 in hindsight, and the pair completeness of its blocking (the share of true pairs that
 * blocking let through at all). Synthetic and labelled data only: real runs have no truth.
 */
import { readFileSync } from 'node:fs';
import { pairCompleteness } from '../blocking/buildIndex.js';
import { CohortlinkError } from '../errors.js';
import type { LinkRunResult } from '../matching/link/runLink.js';
import { type Confusion, evaluateLinks, indexTruth } from './evaluate.js';
import { type CurvePoint, precisionRecallCurve } from './prCurve.js';
import { parseTruthLong, parseTruthPairs, type TruthPairs } from './truth.js';

export interface PairEvaluation extends Confusion {
  readonly left: string;
  readonly right: string;
  readonly truePairs: number;
  readonly pairCompleteness: number;
  /** Real quality at each threshold from the floor to 1 (0.01 steps). */
  readonly curve: readonly CurvePoint[];
  readonly bestF1: CurvePoint;
}

export function evaluateRun(result: LinkRunResult, truthPath: string): PairEvaluation[] {
  let text: string;
  try {
    text = readFileSync(truthPath, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read truth ${truthPath}`, [], { cause: err });
  }
  const pairFormat = text.startsWith('left_ref,right_ref');
  return result.pairs.map((p) => {
    const L = result.datasets[p.left]!;
    const R = result.datasets[p.right]!;
    const truth: TruthPairs = pairFormat
      ? parseTruthPairs(text, truthPath)
      : parseTruthLong(text, truthPath, L.name, R.name);
    const leftAt = new Map(L.refs.map((r, i) => [r, i]));
    const rightAt = new Map(R.refs.map((r, i) => [r, i]));
    const tl: number[] = [];
    const tr: number[] = [];
    const seen = new Set<number>();
    for (let k = 0; k < truth.left.length; k++) {
      let i = leftAt.get(truth.left[k]!);
      let j = rightAt.get(truth.right[k]!);
      if (i === undefined || j === undefined) continue;
      // A dataset linked with itself (dedup) has links with i < j only, while a truth file may
      // name a pair in either order, or in both (long format does): each pair counts once, i < j.
      if (p.left === p.right) {
        if (i === j) continue;
        if (i > j) [i, j] = [j, i];
      }
      const key = i * R.refs.length + j;
      if (seen.has(key)) continue;
      seen.add(key);
      tl.push(i);
      tr.push(j);
    }
    const index = indexTruth(
      { left: tl.map((i) => L.refs[i]!), right: tr.map((j) => R.refs[j]!) },
      L.refs,
      R.refs,
    );
    const confusion = evaluateLinks(p.links, index);
    return {
      left: L.name,
      right: R.name,
      truePairs: tl.length,
      ...confusion,
      pairCompleteness: pairCompleteness(p.built, Uint32Array.from(tl), Uint32Array.from(tr)),
      ...precisionRecallCurve(p.linksAtFloor, index, result.options.floor),
    };
  });
}
