/**
 * Parameters of Hamming bit-sampling LSH for Bloom filters, chosen from the filter length, the
 * filters' typical popcount, the Dice threshold the blocking must keep and the dataset sizes.
 *
 * A band samples k bit positions; two filters share a band's bucket when they agree on all k.
 * For filters with popcount p out of L bits:
 *   - a pair at Dice exactly t differs in 2p(1−t) positions, so it agrees on a random bit with
 *     q1 = 1 − 2p(1−t)/L and shares a band with probability q1^k;
 *   - an unrelated pair agrees on a bit with q0 = 1 − 2(p/L)(1 − p/L).
 * With b bands a pair at the threshold is found with 1 − (1 − q1^k)^b (pairs above it more
 * often), and b·nL·nR·q0^k unrelated pairs are compared. We pick the k that meets the recall
 * target with the least work, counting a band's hashing as roughly one comparison per record.
 */
import { CohortlinkError } from '../errors.js';

export interface LshParameters {
  /** Bits sampled per band. */
  readonly bitsPerBand: number;
  readonly bands: number;
  /** Probability that a pair exactly at `threshold` shares at least one band. */
  readonly expectedRecallAtThreshold: number;
  /** Unrelated pairs expected to be compared. */
  readonly expectedRandomPairs: number;
  readonly threshold: number;
}

export interface LshInput {
  readonly filterBits: number;
  readonly meanPopcount: number;
  readonly threshold: number;
  readonly leftCount: number;
  readonly rightCount: number;
  readonly targetRecall?: number;
  readonly maxBands?: number;
}

const MIN_K = 4;
const MAX_K = 30; // keys are packed into a 32-bit integer

export function chooseLshParameters(input: LshInput): LshParameters {
  const { filterBits: L, threshold: t, leftCount, rightCount } = input;
  const target = input.targetRecall ?? 0.99;
  const maxBands = input.maxBands ?? 64;
  if (!(t > 0 && t < 1)) throw new CohortlinkError('CL_USAGE', `LSH threshold must be in (0, 1), got ${t}`);
  if (!(target > 0 && target < 1))
    throw new CohortlinkError('CL_USAGE', `LSH target recall must be in (0, 1), got ${target}`);
  const p = Math.min(Math.max(input.meanPopcount, 1), L - 1);
  const q1 = Math.max(1e-9, 1 - (2 * p * (1 - t)) / L);
  const q0 = 1 - 2 * (p / L) * (1 - p / L);
  const pairs = leftCount * rightCount;
  let best: LshParameters | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (let k = MIN_K; k <= MAX_K; k++) {
    const hit = q1 ** k;
    const bands = Math.ceil(Math.log(1 - target) / Math.log(1 - hit));
    if (!Number.isFinite(bands) || bands > maxBands) continue;
    const randomPairs = bands * pairs * q0 ** k;
    const cost = randomPairs + bands * (leftCount + rightCount);
    if (cost < bestCost) {
      bestCost = cost;
      best = {
        bitsPerBand: k,
        bands,
        expectedRecallAtThreshold: 1 - (1 - hit) ** bands,
        expectedRandomPairs: Math.round(randomPairs),
        threshold: t,
      };
    }
  }
  if (best !== undefined) return best;
  // Even MIN_K bits need more bands than allowed: use the most bands at the smallest k.
  const hit = q1 ** MIN_K;
  return {
    bitsPerBand: MIN_K,
    bands: maxBands,
    expectedRecallAtThreshold: 1 - (1 - hit) ** maxBands,
    expectedRandomPairs: Math.round(maxBands * pairs * q0 ** MIN_K),
    threshold: t,
  };
}
