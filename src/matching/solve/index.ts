/**
 * Solvers: turn scored candidate pairs into links or clusters.
 *
 *   const links = oneToOne(candidates, { leftCount, rightCount, threshold: 0.8 });
 *   const toSpine = manyToOne(candidates, { leftCount, rightCount: spineCount, threshold: 0.8 });
 *   const { clusterId, stats } = dedup(candidates, { count, threshold: 0.8 });
 *   const people = multiParty([{ datasetA: 0, datasetB: 1, candidates }], [n0, n1], { threshold: 0.8 });
 *   const close = conflicts(candidates, { count: leftCount, threshold: 0.8 });
 *
 * All of them take candidates in any order and return the same result for any order: the greedy
 * ones walk candidates by score descending, then lower a, then lower b (order.ts).
 */
export { manyToOne, oneToOne } from './bipartite.js';
export { conflicts } from './conflicts.js';
export { dedup } from './dedup.js';
export { MAX_DATASETS, multiParty } from './multiParty.js';
export { type OrderedCandidates, orderCandidates } from './order.js';
export * as reference from './reference.js';
export type {
  BipartiteOptions,
  CandidateArrays,
  CandidateSet,
  ClusterOptions,
  ClusterStats,
  ConflictOptions,
  Conflicts,
  DedupOptions,
  DedupResult,
  Links,
  MultiPartyResult,
} from './types.js';
export { LINK_FRACTION_EPSILON, SOLVE_DEFAULTS } from './types.js';
export { MAX_SOLVE_RECORDS } from './validate.js';
