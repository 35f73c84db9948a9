/**
 * Runner-ups: for each link, the best score each of its two records has with any *other*
 * record of the opposite side. For a link that is surely a true match these are draws from the
 * distribution a false link's score follows (a record's best non-match), which is what the
 * threshold model needs; for any link they also give the margin to the closest rival.
 * Many-to-one links (a right record in several) are accepted too; then only the left runner-ups
 * are meaningful, which is all the many-to-one model reads.
 */

/** Candidate pairs as parallel arrays (a CandidateBuffer is one). */
export interface ScoredPairs {
  readonly aIndex: Uint32Array;
  readonly bIndex: Uint32Array;
  readonly score: Float64Array;
  readonly length: number;
}

/** One-to-one links as parallel arrays (the solvers' Links is one). */
export interface LinkArrays {
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  readonly length: number;
}

/** Runner-up scores per link; NO_RUNNER_UP where a record has no other candidate. */
export interface RunnerUps {
  readonly left: Float64Array;
  readonly right: Float64Array;
}

/** Below any floor: "no rival among the candidates". */
export const NO_RUNNER_UP = -1;

export function runnerUps(
  candidates: ScoredPairs,
  links: LinkArrays,
  leftCount: number,
  rightCount: number,
): RunnerUps {
  const partnerOfLeft = new Int32Array(leftCount).fill(-1);
  const partnerOfRight = new Int32Array(rightCount).fill(-1);
  for (let i = 0; i < links.length; i++) {
    partnerOfLeft[links.left[i]!] = links.right[i]!;
    partnerOfRight[links.right[i]!] = links.left[i]!;
  }
  const bestLeft = new Float64Array(leftCount).fill(NO_RUNNER_UP);
  const bestRight = new Float64Array(rightCount).fill(NO_RUNNER_UP);
  const { aIndex, bIndex, score } = candidates;
  for (let i = 0; i < candidates.length; i++) {
    const a = aIndex[i]!;
    const b = bIndex[i]!;
    const s = score[i]!;
    if (partnerOfLeft[a] !== b && s > bestLeft[a]!) bestLeft[a] = s;
    if (partnerOfRight[b] !== a && s > bestRight[b]!) bestRight[b] = s;
  }
  const left = new Float64Array(links.length);
  const right = new Float64Array(links.length);
  for (let i = 0; i < links.length; i++) {
    left[i] = bestLeft[links.left[i]!]!;
    right[i] = bestRight[links.right[i]!]!;
  }
  return { left, right };
}
