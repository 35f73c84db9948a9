/**
 * Deduplication within one dataset: greedy clustering with the anti-chaining rule of cluster.ts.
 */
import { CohortlinkError } from '../../errors.js';
import { greedyCluster } from './cluster.js';
import { orderCandidates } from './order.js';
import { type CandidateArrays, type DedupOptions, type DedupResult, SOLVE_DEFAULTS } from './types.js';
import { OptionChecker } from './validate.js';

/**
 * Clusters the records of one dataset. Candidates index it on both sides with aIndex < bIndex.
 * Two clusters merge only if at least minLinkFraction of the record pairs between them are
 * candidates at or above the threshold (see cluster.ts), so A~B~C does not glue A to a
 * dissimilar C.
 */
export function dedup(c: CandidateArrays, options: DedupOptions): DedupResult {
  const minLinkFraction = options.minLinkFraction ?? SOLVE_DEFAULTS.minLinkFraction;
  new OptionChecker('dedup')
    .count('count', options.count)
    .unit('threshold', options.threshold)
    .unit('minLinkFraction', minLinkFraction, { zero: false })
    .done();
  const { aIndex, bIndex } = c;
  for (let i = 0; i < c.length; i++)
    if (aIndex[i]! >= bIndex[i]!)
      throw new CohortlinkError(
        'CL_INTERNAL',
        `dedup candidate ${i} pairs record ${aIndex[i]} with ${bIndex[i]}; within one dataset aIndex must be below bIndex`,
      );
  const o = orderCandidates(c, options.threshold, options.count, options.count);
  return greedyCluster(options.count, o, minLinkFraction);
}
