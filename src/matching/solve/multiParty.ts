/**
 * Multi-party linkage: several datasets clustered at once from the candidate sets between pairs
 * of them. A person has at most one record per dataset, so no cluster holds two records of one
 * dataset — except datasets marked with `repeats` (a hospital's episodes), whose records may
 * share a person and go into one cluster. Otherwise the rule is dedup's (cluster.ts), with
 * pairs(X, Y) counting only record pairs whose datasets were compared: records of one dataset
 * never are, so two records of a dataset with repeats join only through other datasets' records.
 */
import { CohortlinkError } from '../../errors.js';
import { type DatasetLayout, greedyCluster } from './cluster.js';
import { orderCandidates } from './order.js';
import { type CandidateSet, type MultiPartyOptions, type MultiPartyResult, SOLVE_DEFAULTS } from './types.js';
import { MAX_SOLVE_RECORDS, OptionChecker } from './validate.js';

/** Most datasets one multi-party run links (the comparison matrix is datasets² bytes). */
export const MAX_DATASETS = 4096;

/**
 * Clusters the records of `sizes.length` datasets (sizes[d] records in dataset d) from candidate
 * sets between pairs of distinct datasets, at most one set per pair. Records are numbered
 * globally by (dataset, record), so neither the order of the sets nor of their candidates, nor
 * which of a pair is datasetA, changes the result. `options.repeats[d]` lets dataset d hold
 * several records of one person; with no dataset marked the result is that of earlier versions.
 */
export function multiParty(
  sets: readonly CandidateSet[],
  sizes: readonly number[],
  options: MultiPartyOptions,
): MultiPartyResult {
  const minLinkFraction = options.minLinkFraction ?? SOLVE_DEFAULTS.minLinkFraction;
  const D = sizes.length;
  const check = new OptionChecker('multiParty')
    .unit('threshold', options.threshold)
    .unit('minLinkFraction', minLinkFraction, { zero: false });
  if (D < 1 || D > MAX_DATASETS) check.add('sizes', `must list from 1 to ${MAX_DATASETS} dataset sizes`);
  sizes.forEach((s, d) => {
    check.count(`sizes[${d}]`, s);
  });
  const total = sizes.reduce((x, y) => x + y, 0);
  if (total > MAX_SOLVE_RECORDS) check.add('sizes', `more than ${MAX_SOLVE_RECORDS} records in all`);
  const { repeats } = options;
  if (repeats !== undefined) {
    if (!Array.isArray(repeats) || repeats.length !== D)
      check.add('repeats', `must list one boolean per dataset (${D})`);
    else
      repeats.forEach((x, d) => {
        if (typeof x !== 'boolean') check.add(`repeats[${d}]`, 'must be true or false');
      });
  }
  const compared = new Uint8Array(D <= MAX_DATASETS ? D * D : 0);
  sets.forEach((s, i) => {
    const ok = (d: unknown) => Number.isInteger(d) && (d as number) >= 0 && (d as number) < D;
    if (!ok(s.datasetA)) check.add(`sets[${i}].datasetA`, `must be a dataset index below ${D}`);
    else if (!ok(s.datasetB)) check.add(`sets[${i}].datasetB`, `must be a dataset index below ${D}`);
    else if (s.datasetA === s.datasetB)
      check.add(`sets[${i}].datasetB`, 'must differ from datasetA (use dedup within one dataset)');
    else if (compared[s.datasetA * D + s.datasetB] === 1)
      check.add(`sets[${i}]`, `a second candidate set for datasets ${s.datasetA} and ${s.datasetB}`);
    else {
      compared[s.datasetA * D + s.datasetB] = 1;
      compared[s.datasetB * D + s.datasetA] = 1;
    }
  });
  check.done();

  const offsets = new Array<number>(D + 1).fill(0);
  for (let d = 0; d < D; d++) offsets[d + 1] = offsets[d]! + sizes[d]!;
  const merged = mergeSets(sets, sizes, offsets, options.threshold);
  const o = orderCandidates(merged, options.threshold, total, total);
  const datasetOf = new Uint32Array(total);
  for (let d = 0; d < D; d++) datasetOf.fill(d, offsets[d]!, offsets[d + 1]!);
  let pairsCompared = 0;
  for (let d = 0; d < D * D; d++) pairsCompared += compared[d]!;
  const anyRepeats = repeats?.includes(true) === true;
  const layout: DatasetLayout = {
    datasetOf,
    datasets: D,
    compared,
    // Two records of a dataset with repeats may meet in a merge: a pair never compared.
    allCompared: pairsCompared === D * (D - 1) && !anyRepeats,
    ...(anyRepeats ? { repeats: Uint8Array.from(repeats!, (x) => (x ? 1 : 0)) } : {}),
  };
  const { clusterId, stats } = greedyCluster(total, o, minLinkFraction, layout);
  const clusterIds = sizes.map((_, d) => clusterId.slice(offsets[d]!, offsets[d + 1]!));
  return { clusterIds, stats };
}

/** The sets' candidates at or above the threshold in global numbering, the lower index as a. */
function mergeSets(
  sets: readonly CandidateSet[],
  sizes: readonly number[],
  offsets: readonly number[],
  threshold: number,
): { aIndex: Uint32Array; bIndex: Uint32Array; score: Float64Array; length: number } {
  let kept = 0;
  for (const { candidates: c } of sets)
    for (let i = 0; i < c.length; i++) if (c.score[i]! >= threshold) kept++;
  const aIndex = new Uint32Array(kept);
  const bIndex = new Uint32Array(kept);
  const score = new Float64Array(kept);
  let k = 0;
  sets.forEach(({ datasetA, datasetB, candidates: c }, s) => {
    const offA = offsets[datasetA]!;
    const offB = offsets[datasetB]!;
    const aFirst = datasetA < datasetB;
    for (let i = 0; i < c.length; i++) {
      const a = c.aIndex[i]!;
      const b = c.bIndex[i]!;
      if (a >= sizes[datasetA]! || b >= sizes[datasetB]!)
        throw new CohortlinkError(
          'CL_INTERNAL',
          `candidate ${i} of set ${s} pairs records ${a} and ${b}, outside datasets ${datasetA} ` +
            `(${sizes[datasetA]} records) and ${datasetB} (${sizes[datasetB]} records)`,
        );
      if (!(c.score[i]! >= threshold)) continue;
      aIndex[k] = aFirst ? offA + a : offB + b;
      bIndex[k] = aFirst ? offB + b : offA + a;
      score[k++] = c.score[i]!;
    }
  });
  return { aIndex, bIndex, score, length: kept };
}
