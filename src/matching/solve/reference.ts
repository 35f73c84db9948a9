/**
 * Slow, obviously correct solvers the fast ones are tested against: an object per candidate,
 * a comparator sort, clusters as arrays of members and the candidate graph as a Set of pair
 * keys, with every merge test counting all pairs between two clusters. They skip option checks.
 * Each returns the same shape as its fast counterpart.
 */
import {
  type BipartiteOptions,
  type CandidateArrays,
  type CandidateSet,
  type ClusterStats,
  type ConflictOptions,
  type Conflicts,
  type DedupOptions,
  type DedupResult,
  LINK_FRACTION_EPSILON,
  type Links,
  type MultiPartyOptions,
  type MultiPartyResult,
  SOLVE_DEFAULTS,
} from './types.js';

interface Pair {
  a: number;
  b: number;
  score: number;
}

/** The candidates at or above the threshold, best first (ties: lower a, then lower b). */
export function sortedPairs(c: CandidateArrays, threshold: number): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < c.length; i++)
    if (c.score[i]! >= threshold) pairs.push({ a: c.aIndex[i]!, b: c.bIndex[i]!, score: c.score[i]! });
  return pairs.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
}

function toLinks(chosen: Pair[], considered: number, o: BipartiteOptions): Links {
  chosen.sort((x, y) => x.a - y.a);
  const rights = new Set(chosen.map((p) => p.b));
  return {
    left: Uint32Array.from(chosen, (p) => p.a),
    right: Uint32Array.from(chosen, (p) => p.b),
    score: Float64Array.from(chosen, (p) => p.score),
    length: chosen.length,
    candidatesConsidered: considered,
    rightLinked: rights.size,
    leftUnlinked: o.leftCount - chosen.length,
    rightUnlinked: o.rightCount - rights.size,
  };
}

export function oneToOne(c: CandidateArrays, o: BipartiteOptions): Links {
  const pairs = sortedPairs(c, o.threshold);
  const usedLeft = new Set<number>();
  const usedRight = new Set<number>();
  const chosen: Pair[] = [];
  for (const p of pairs) {
    if (usedLeft.has(p.a) || usedRight.has(p.b)) continue;
    usedLeft.add(p.a);
    usedRight.add(p.b);
    chosen.push(p);
  }
  return toLinks(chosen, pairs.length, o);
}

export function manyToOne(c: CandidateArrays, o: BipartiteOptions): Links {
  const pairs = sortedPairs(c, o.threshold);
  const best = new Map<number, Pair>();
  for (const p of pairs) if (!best.has(p.a)) best.set(p.a, p);
  return toLinks([...best.values()], pairs.length, o);
}

export function conflicts(c: CandidateArrays, o: ConflictOptions): Conflicts {
  const margin = o.margin ?? SOLVE_DEFAULTS.conflictMargin;
  const byRecord = new Map<number, number[]>();
  for (const p of sortedPairs(c, o.threshold)) {
    const r = o.side === 'right' ? p.b : p.a;
    byRecord.set(r, [...(byRecord.get(r) ?? []), p.score]);
  }
  const closeRivals = new Uint32Array(o.count);
  for (const [r, scores] of byRecord) {
    const best = Math.max(...scores);
    closeRivals[r] = scores.filter((s) => s >= best - margin).length - 1;
  }
  const records = [...closeRivals.keys()].filter((r) => closeRivals[r]! > 0);
  return { closeRivals, records: Uint32Array.from(records), recordsWithCandidates: byRecord.size };
}

/**
 * Greedy clustering of records 0..records-1 by the rule in cluster.ts. datasetOf and compared
 * describe multi-party datasets; without them every record pair counts and any two may merge.
 * repeats(d) says dataset d may hold several records of one person (two of its records do not
 * keep clusters apart).
 */
export function cluster(
  records: number,
  pairs: Pair[],
  minLinkFraction: number,
  datasetOf?: (r: number) => number,
  compared?: (d: number, e: number) => boolean,
  repeats?: (d: number) => boolean,
): DedupResult {
  const key = (u: number, v: number) => `${Math.min(u, v)},${Math.max(u, v)}`;
  const edges = new Set(pairs.map((p) => key(p.a, p.b)));
  const clusterOf = Array.from({ length: records }, (_, r) => [r]);
  const refusedAt = new Set<number>();
  let merges = 0;
  let refusedByLinkage = 0;
  let refusedBySameDataset = 0;
  for (const p of pairs) {
    const X = clusterOf[p.a]!;
    const Y = clusterOf[p.b]!;
    if (X === Y) continue;
    let links = 0;
    let comparable = 0;
    let sameDataset = false;
    for (const x of X)
      for (const y of Y) {
        if (edges.has(key(x, y))) links++;
        if (datasetOf && datasetOf(x) === datasetOf(y) && !repeats?.(datasetOf(x))) sameDataset = true;
        if (!datasetOf || !compared || compared(datasetOf(x), datasetOf(y))) comparable++;
      }
    if (sameDataset) refusedBySameDataset++;
    else if (links < minLinkFraction * comparable - LINK_FRACTION_EPSILON) refusedByLinkage++;
    else {
      const Z = [...X, ...Y];
      for (const r of Z) clusterOf[r] = Z;
      merges++;
      continue;
    }
    refusedAt.add(p.a);
    refusedAt.add(p.b);
  }
  const ids = new Map<number[], number>();
  const clusterId = new Int32Array(records);
  for (let r = 0; r < records; r++) {
    const X = clusterOf[r]!;
    if (!ids.has(X)) ids.set(X, ids.size);
    clusterId[r] = ids.get(X)!;
  }
  const clusters = [...ids.keys()];
  const largest = Math.max(0, ...clusters.map((X) => X.length));
  const sizeCounts = new Uint32Array(largest + 1);
  for (const X of clusters) sizeCounts[X.length]!++;
  const stats: ClusterStats = {
    clusters: clusters.length,
    sizeCounts,
    largest,
    singletons: sizeCounts[1] ?? 0,
    candidatesConsidered: pairs.length,
    merges,
    refusedByLinkage,
    refusedBySameDataset,
    clustersWithRefusals: clusters.filter((X) => X.some((r) => refusedAt.has(r))).length,
  };
  return { clusterId, stats };
}

export function dedup(c: CandidateArrays, o: DedupOptions): DedupResult {
  return cluster(o.count, sortedPairs(c, o.threshold), o.minLinkFraction ?? SOLVE_DEFAULTS.minLinkFraction);
}

export function multiParty(
  sets: readonly CandidateSet[],
  sizes: readonly number[],
  o: MultiPartyOptions,
): MultiPartyResult {
  const offsets = sizes.map((_, d) => sizes.slice(0, d).reduce((x, y) => x + y, 0));
  const datasetOf = (r: number) => offsets.findLastIndex((off, d) => off <= r && sizes[d]! > 0);
  const comparedPairs = new Set(
    sets.flatMap((s) => [`${s.datasetA},${s.datasetB}`, `${s.datasetB},${s.datasetA}`]),
  );
  const pairs: Pair[] = [];
  for (const s of sets)
    for (const p of sortedPairs(s.candidates, o.threshold)) {
      const u = offsets[s.datasetA]! + p.a;
      const v = offsets[s.datasetB]! + p.b;
      pairs.push({ a: Math.min(u, v), b: Math.max(u, v), score: p.score });
    }
  pairs.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  const total = sizes.reduce((x, y) => x + y, 0);
  const { clusterId, stats } = cluster(
    total,
    pairs,
    o.minLinkFraction ?? SOLVE_DEFAULTS.minLinkFraction,
    datasetOf,
    (d, e) => comparedPairs.has(`${d},${e}`),
    (d) => o.repeats?.[d] === true,
  );
  return {
    clusterIds: sizes.map((n, d) => clusterId.slice(offsets[d]!, offsets[d]! + n)),
    stats,
  };
}
