/**
 * Contracts of the solvers: what they read (candidate pairs as parallel arrays, the layout of
 * CandidateBuffer), their options with documented defaults, and what they return. Every result
 * is typed arrays plus counts: no object per pair or per record.
 */

/**
 * Candidate pairs as parallel arrays; entries [0, length) are valid, in any order, with no
 * duplicate (a, b) pair. A CandidateBuffer is one.
 */
export interface CandidateArrays {
  readonly aIndex: Uint32Array;
  readonly bIndex: Uint32Array;
  readonly score: Float64Array;
  readonly length: number;
}

/** Defaults of every solver option, in one place. */
export const SOLVE_DEFAULTS = {
  /**
   * Anti-chaining rule: two clusters merge only if at least this fraction of the record pairs
   * between them (that were compared at all) are candidates at or above the threshold. 0.6 refuses
   * the chain A~B~C with A and C dissimilar ({A,B} + {C}: 1 of 2 pairs) but lets a record join a
   * trio it matches 2 of 3 of, and two pairs that share 3 of 4 links.
   */
  minLinkFraction: 0.6,
  /** Conflicts: a rival within this much of a record's best score counts as close. */
  conflictMargin: 0.02,
} as const;

/** Slack when comparing links against minLinkFraction × pairs, so 0.6 × 5 (= 3.0000000000000004) admits 3. */
export const LINK_FRACTION_EPSILON = 1e-9;

export interface BipartiteOptions {
  readonly leftCount: number;
  readonly rightCount: number;
  /** Pairs scoring below this are ignored; a score equal to it is kept. In [0, 1]. */
  readonly threshold: number;
}

/** Links between a left and a right dataset, sorted by left index (one entry per linked left record). */
export interface Links {
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  readonly score: Float64Array;
  /** Number of links (= the arrays' lengths). */
  readonly length: number;
  /** Candidates at or above the threshold that the solver considered. */
  readonly candidatesConsidered: number;
  /** Right records with at least one link (= length for one-to-one). */
  readonly rightLinked: number;
  readonly leftUnlinked: number;
  readonly rightUnlinked: number;
}

export interface ClusterOptions {
  /** Pairs scoring below this are ignored entirely (neither links nor evidence). In [0, 1]. */
  readonly threshold: number;
  /** See SOLVE_DEFAULTS.minLinkFraction. In (0, 1]; 1 is complete linkage (every pair a candidate). */
  readonly minLinkFraction?: number;
}

export interface MultiPartyOptions extends ClusterOptions {
  /**
   * Per dataset: whether several of its records may belong to one person (a hospital's episodes,
   * say). Default false for every dataset: a person holds at most one record of it, so no
   * cluster takes two of its records. A dataset with repeats may put any number of records in
   * one cluster; they are never compared with each other, so they join only through records of
   * other datasets, by the same anti-chaining rule. Length: one entry per dataset, when given.
   */
  readonly repeats?: readonly boolean[];
}

export interface DedupOptions extends ClusterOptions {
  /** Records in the dataset; candidates index it on both sides with a < b. */
  readonly count: number;
}

export interface ClusterStats {
  readonly clusters: number;
  /** sizeCounts[s] = number of clusters with s records (index 0 unused); length is largest + 1. */
  readonly sizeCounts: Uint32Array;
  readonly largest: number;
  readonly singletons: number;
  /** Candidates at or above the threshold that the solver considered. */
  readonly candidatesConsidered: number;
  /** Merges made (each joins two clusters, so records − merges = clusters). */
  readonly merges: number;
  /** Candidate pairs whose clusters were kept apart by the link-fraction (anti-chaining) rule. */
  readonly refusedByLinkage: number;
  /**
   * Candidate pairs whose clusters were kept apart because both held a record of one dataset
   * (of a dataset without repeats, in multi-party linkage).
   */
  readonly refusedBySameDataset: number;
  /**
   * Final clusters that hold an endpoint of a refused pair: the clusters that were split to stop
   * chaining (or, in multi-party linkage, to keep one record per dataset).
   */
  readonly clustersWithRefusals: number;
}

export interface DedupResult {
  /** Cluster of each record; ids are dense and numbered in order of each cluster's smallest record. */
  readonly clusterId: Int32Array;
  readonly stats: ClusterStats;
}

/** One candidate set of a multi-party run: pairs between datasetA (aIndex) and datasetB (bIndex). */
export interface CandidateSet {
  readonly datasetA: number;
  readonly datasetB: number;
  readonly candidates: CandidateArrays;
}

export interface MultiPartyResult {
  /** clusterIds[d][r] = cluster of record r of dataset d; dense ids numbered by smallest (dataset, record). */
  readonly clusterIds: Int32Array[];
  readonly stats: ClusterStats;
}

export interface ConflictOptions {
  /** Records on the side being checked (left by default). */
  readonly count: number;
  readonly threshold: number;
  /** See SOLVE_DEFAULTS.conflictMargin. */
  readonly margin?: number;
  /** Whose best candidates to examine: 'left' (aIndex, the default) or 'right' (bIndex). */
  readonly side?: 'left' | 'right';
}

export interface Conflicts {
  /** closeRivals[r] = candidates of r, other than its best one, scoring at least best − margin. */
  readonly closeRivals: Uint32Array;
  /** The records with at least one close rival, ascending. */
  readonly records: Uint32Array;
  /** Records with at least one candidate at or above the threshold. */
  readonly recordsWithCandidates: number;
}
