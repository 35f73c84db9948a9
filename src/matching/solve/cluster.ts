/**
 * Greedy clustering that resists chaining, shared by dedup and multi-party linkage.
 *
 * Candidates at or above the threshold are taken in solver order (score descending, then lower
 * a, then lower b). A candidate whose records are already in one cluster is skipped. Otherwise
 * the two clusters X and Y merge only if
 *   1. (multi-party) they hold no two records of the same dataset, unless that dataset has
 *      repeats (several records may be one person's: they are never compared with each other,
 *      so they come together only through records of other datasets), and
 *   2. (anti-chaining) links(X, Y) >= minLinkFraction × pairs(X, Y), where links counts the
 *      candidate pairs at or above the threshold between X and Y (of any score, not only those
 *      seen so far) and pairs counts the record pairs between them that were compared at all
 *      (every pair in dedup; in multi-party, pairs of datasets that have a candidate set).
 * A candidate failing either test is a refused merge: its records stay apart (unless a later
 * merge that does pass brings them together). So A~B~C with A and C dissimilar yields {A,B}, {C}
 * for any minLinkFraction above 1/2, whereas single linkage would glue A to C.
 *
 * Union-find on Int32Array with union by size and path halving; each cluster's members form a
 * circular list (`next`). links(X, Y) is counted either pair by pair (binary search in sorted
 * CSR rows) or by walking the candidates of the cluster with fewer, whichever is cheaper, and
 * either way stops as soon as the merge is decided.
 */
import type { OrderedCandidates } from './order.js';
import { type ClusterStats, LINK_FRACTION_EPSILON } from './types.js';

/** How records fall into datasets, for multi-party linkage. */
export interface DatasetLayout {
  /** Dataset of each record (global index). */
  readonly datasetOf: Uint32Array;
  readonly datasets: number;
  /** compared[d·datasets + e] = 1 when datasets d and e have a candidate set (symmetric). */
  readonly compared: Uint8Array;
  /**
   * Whether pairs(X, Y) = |X|·|Y|: every pair of distinct datasets has a candidate set and no
   * dataset has repeats (two records of a dataset with repeats are a pair never compared).
   */
  readonly allCompared: boolean;
  /**
   * repeats[d] = 1 when several records of dataset d may be one person's: clusters may then
   * hold any number of them. Absent: no dataset has repeats.
   */
  readonly repeats?: Uint8Array;
}

export interface ClusterResult {
  readonly clusterId: Int32Array;
  readonly stats: ClusterStats;
}

/** Clusters `records` records (global indices) from ordered candidates with a < b or any order. */
export function greedyCluster(
  records: number,
  o: OrderedCandidates,
  minLinkFraction: number,
  layout?: DatasetLayout,
): ClusterResult {
  const graph = adjacency(records, o);
  const parent = new Int32Array(records);
  const size = new Int32Array(records).fill(1);
  const next = new Int32Array(records);
  // Sum of the members' degrees, per root: the cost of walking the cluster's candidates.
  const degrees = new Uint32Array(records);
  for (let i = 0; i < records; i++) {
    parent[i] = i;
    next[i] = i;
    degrees[i] = graph.offsets[i + 1]! - graph.offsets[i]!;
  }
  const refusedAt = new Uint8Array(records);
  // The last refusal of each root: (root, size) names a cluster exactly, since a cluster changes
  // only by merging, which grows its surviving root and retires the other for good. So a repeat
  // of the same two clusters is refused without testing them again.
  const lastPartner = new Int32Array(records).fill(-1);
  const lastOwnSize = new Int32Array(records);
  const lastPartnerSize = new Int32Array(records);
  const words = layout ? Math.ceil(layout.datasets / 32) : 0;
  const masks = layout ? datasetMasks(layout, words) : new Uint32Array(0);

  const find = (x: number): number => {
    while (parent[x] !== x) {
      const g = parent[parent[x]!]!;
      parent[x] = g;
      x = g;
    }
    return x;
  };

  let merges = 0;
  let refusedByLinkage = 0;
  let refusedBySameDataset = 0;
  for (let k = 0; k < o.length; k++) {
    let x = find(o.a[k]!);
    let y = find(o.b[k]!);
    if (x === y) continue;
    if (size[x]! > size[y]! || (size[x] === size[y] && x > y)) {
      const t = x;
      x = y;
      y = t;
    }
    const sx = size[x]!;
    const sy = size[y]!;
    let refused = 0;
    if (words > 0 && overlap(masks, x, y, words)) refused = 2;
    else if (sx > 1 || sy > 1) {
      if (lastPartner[x] === y && lastOwnSize[x] === sx && lastPartnerSize[x] === sy) refused = 1;
      else {
        const pairs = layout && !layout.allCompared ? comparedPairs(x, y, next, layout) : sx * sy;
        const need = Math.max(1, Math.ceil(minLinkFraction * pairs - LINK_FRACTION_EPSILON));
        const walk = degrees[x]! <= degrees[y]! ? x : y;
        const enough =
          pairs <= degrees[walk]!
            ? enoughByPairs(x, y, o.a[k]!, o.b[k]!, need, pairs, graph, next, layout)
            : enoughByWalk(walk, walk === x ? y : x, need, degrees[walk]!, graph, next, find);
        if (!enough) {
          refused = 1;
          lastPartner[x] = y;
          lastOwnSize[x] = sx;
          lastPartnerSize[x] = sy;
        }
      }
    }
    if (refused !== 0) {
      if (refused === 1) refusedByLinkage++;
      else refusedBySameDataset++;
      refusedAt[o.a[k]!] = 1;
      refusedAt[o.b[k]!] = 1;
      continue;
    }
    // Union: y (the larger) survives; splice the two circular member lists.
    parent[x] = y;
    size[y] = sx + sy;
    degrees[y] = degrees[y]! + degrees[x]!;
    const t = next[x]!;
    next[x] = next[y]!;
    next[y] = t;
    for (let w = 0; w < words; w++) masks[y * words + w] = masks[y * words + w]! | masks[x * words + w]!;
    merges++;
  }
  return label(records, find, refusedAt, {
    candidatesConsidered: o.length,
    merges,
    refusedByLinkage,
    refusedBySameDataset,
  });
}

interface Graph {
  /** Neighbours of r are neighbours[offsets[r], offsets[r+1]), ascending. */
  readonly offsets: Uint32Array;
  readonly neighbours: Uint32Array;
}

/**
 * Whether at least `need` of the `pairs` (compared) record pairs between clusters x and y are
 * candidates, testing each pair by binary search in the shorter sorted row: for small clusters
 * of well-connected records (2 × 1 records, 40 candidates each) far cheaper than a walk. The
 * candidate (ka, kb) being decided is a link already and is not looked up.
 */
function enoughByPairs(
  x: number,
  y: number,
  ka: number,
  kb: number,
  need: number,
  pairs: number,
  g: Graph,
  next: Int32Array,
  layout: DatasetLayout | undefined,
): boolean {
  const check = layout && !layout.allCompared ? layout : undefined;
  let links = 1;
  let left = pairs - 1;
  if (links >= need) return true;
  let u = x;
  do {
    let v = y;
    do {
      const known = (u === ka && v === kb) || (u === kb && v === ka);
      if (
        !known &&
        (!check || check.compared[check.datasetOf[u]! * check.datasets + check.datasetOf[v]!] === 1)
      ) {
        if (hasEdge(g, u, v) && ++links >= need) return true;
        if (links + --left < need) return false;
      }
      v = next[v]!;
    } while (v !== y);
    u = next[u]!;
  } while (u !== x);
  return links >= need;
}

function hasEdge(g: Graph, u: number, v: number): boolean {
  const { offsets, neighbours } = g;
  let row = u;
  let target = v;
  if (offsets[u + 1]! - offsets[u]! > offsets[v + 1]! - offsets[v]!) {
    row = v;
    target = u;
  }
  let lo = offsets[row]!;
  const end = offsets[row + 1]!;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (neighbours[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && neighbours[lo] === target;
}

/**
 * Whether at least `need` candidates join cluster `walk` to the cluster rooted at `other`,
 * walking walk's members' candidates (`degrees` of them), stopping once the answer is known.
 */
function enoughByWalk(
  walk: number,
  other: number,
  need: number,
  degrees: number,
  g: Graph,
  next: Int32Array,
  find: (r: number) => number,
): boolean {
  const { offsets, neighbours } = g;
  let links = 0;
  let left = degrees;
  let u = walk;
  do {
    for (let j = offsets[u]!; j < offsets[u + 1]!; j++) {
      if (find(neighbours[j]!) === other && ++links >= need) return true;
      if (links + --left < need) return false;
    }
    u = next[u]!;
  } while (u !== walk);
  return links >= need;
}

/** Record pairs between x and y whose datasets were compared (at most datasets² steps). */
function comparedPairs(x: number, y: number, next: Int32Array, layout: DatasetLayout): number {
  const { datasetOf, datasets, compared } = layout;
  let pairs = 0;
  let u = x;
  do {
    const du = datasetOf[u]! * datasets;
    let v = y;
    do {
      pairs += compared[du + datasetOf[v]!]!;
      v = next[v]!;
    } while (v !== y);
    u = next[u]!;
  } while (u !== x);
  return pairs;
}

/** One bit per dataset without repeats that each record's cluster holds a record of. */
function datasetMasks(layout: DatasetLayout, words: number): Uint32Array {
  const masks = new Uint32Array(layout.datasetOf.length * words);
  const { repeats } = layout;
  layout.datasetOf.forEach((d, r) => {
    if (repeats?.[d] !== 1) masks[r * words + (d >>> 5)] = 1 << (d & 31);
  });
  return masks;
}

function overlap(masks: Uint32Array, x: number, y: number, words: number): boolean {
  for (let w = 0; w < words; w++) if ((masks[x * words + w]! & masks[y * words + w]!) !== 0) return true;
  return false;
}

/**
 * Both directions of every candidate as CSR with each row ascending: the rows are filled once in
 * candidate order, then transposed (walking records in ascending order appends each neighbour
 * in ascending order), which sorts them without a comparator.
 */
function adjacency(records: number, o: OrderedCandidates): Graph {
  const offsets = new Uint32Array(records + 1);
  for (let k = 0; k < o.length; k++) {
    offsets[o.a[k]! + 1]!++;
    offsets[o.b[k]! + 1]!++;
  }
  for (let r = 0; r < records; r++) offsets[r + 1]! += offsets[r]!;
  let fill = offsets.slice(0, records);
  const unsorted = new Uint32Array(2 * o.length);
  for (let k = 0; k < o.length; k++) {
    const a = o.a[k]!;
    const b = o.b[k]!;
    unsorted[fill[a]!++] = b;
    unsorted[fill[b]!++] = a;
  }
  fill = offsets.slice(0, records);
  const neighbours = new Uint32Array(2 * o.length);
  for (let u = 0; u < records; u++)
    for (let j = offsets[u]!; j < offsets[u + 1]!; j++) neighbours[fill[unsorted[j]!]!++] = u;
  return { offsets, neighbours };
}

/** Dense cluster ids in order of each cluster's smallest record, and the size statistics. */
function label(
  records: number,
  find: (r: number) => number,
  refusedAt: Uint8Array,
  counts: Pick<ClusterStats, 'candidatesConsidered' | 'merges' | 'refusedByLinkage' | 'refusedBySameDataset'>,
): ClusterResult {
  const clusterId = new Int32Array(records);
  const idOfRoot = new Int32Array(records).fill(-1);
  let clusters = 0;
  for (let r = 0; r < records; r++) {
    const root = find(r);
    if (idOfRoot[root] === -1) idOfRoot[root] = clusters++;
    clusterId[r] = idOfRoot[root]!;
  }
  const clusterSize = new Uint32Array(clusters);
  const refused = new Uint8Array(clusters);
  let largest = 0;
  for (let r = 0; r < records; r++) {
    const id = clusterId[r]!;
    if (++clusterSize[id]! > largest) largest = clusterSize[id]!;
    if (refusedAt[r] === 1) refused[id] = 1;
  }
  const sizeCounts = new Uint32Array(largest + 1);
  let clustersWithRefusals = 0;
  for (let id = 0; id < clusters; id++) {
    sizeCounts[clusterSize[id]!]!++;
    clustersWithRefusals += refused[id]!;
  }
  return {
    clusterId,
    stats: {
      clusters,
      sizeCounts,
      largest,
      singletons: sizeCounts[1] ?? 0,
      ...counts,
      clustersWithRefusals,
    },
  };
}
