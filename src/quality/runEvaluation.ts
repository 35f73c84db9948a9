/**
 * Evaluation mode of a run: with ground truth supplied, the real precision, recall and F1 of
 * each dataset pair's links and the pair completeness of its blocking (the share of true pairs
 * that blocking let through at all). Synthetic and labelled data only: real runs have no truth.
 */
import { readFileSync } from 'node:fs';
import { pairCompleteness } from '../blocking/buildIndex.js';
import { CohortlinkError } from '../errors.js';
import type { LinkRunResult } from '../matching/link/runLink.js';
import { type Confusion, evaluateLinks, indexTruth } from './evaluate.js';
import { parseTruthLong, parseTruthPairs, type TruthPairs } from './truth.js';

export interface PairEvaluation extends Confusion {
  readonly left: string;
  readonly right: string;
  readonly truePairs: number;
  readonly pairCompleteness: number;
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
    const confusion = evaluateLinks(p.links, indexTruth(truth, L.refs, R.refs));
    const leftAt = new Map(L.refs.map((r, i) => [r, i]));
    const rightAt = new Map(R.refs.map((r, i) => [r, i]));
    const tl: number[] = [];
    const tr: number[] = [];
    for (let k = 0; k < truth.left.length; k++) {
      const i = leftAt.get(truth.left[k]!);
      const j = rightAt.get(truth.right[k]!);
      if (i === undefined || j === undefined || (p.left === p.right && i >= j)) continue;
      tl.push(i);
      tr.push(j);
    }
    return {
      left: L.name,
      right: R.name,
      truePairs: tl.length,
      ...confusion,
      pairCompleteness: pairCompleteness(p.built, Uint32Array.from(tl), Uint32Array.from(tr)),
    };
  });
}
