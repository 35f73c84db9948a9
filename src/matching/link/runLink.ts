/**
 * One linkage run, from encodings files to links, people (clusters) and linkage keys:
 *
 *   read encodings → check fingerprints → block → score candidates (worker pool)
 *     → solve at the floor → choose the threshold → keep links ≥ threshold → clusters
 *     → linkage keys
 *
 * Writing files is the caller's job (writeOutputs.ts for the CLI; the store for the service),
 * so that nothing is half-written when a stage fails.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { type BlockingReport, type BuiltIndex, buildBlockIndex } from '../../blocking/buildIndex.js';
import { CohortlinkError } from '../../errors.js';
import { type EncodedDataset, readEncodings } from '../input/readEncodings.js';
import { readEncodingsInWorker } from '../input/readInWorker.js';
import { KERNEL_LIMITS } from '../kernel/limits.js';
import { WasmArena } from '../kernel/wasmArena.js';
import { assignLinkageKeys, type KeyAssignmentStats } from '../keys/assignKeys.js';
import { scoreCandidates } from '../score/index.js';
import { rescoreRows } from '../score/requery.js';
import { exactOneToOne, type RequeryStats } from '../solve/exactOneToOne.js';
import { dedup, manyToOne, multiParty, oneToOne } from '../solve/index.js';
import type { CandidateArrays, ClusterStats, Links } from '../solve/types.js';
import type { ThresholdModel } from '../threshold/index.js';
import { checkCompatible } from './checkCompatible.js';
import { clustersFromLinks, clustersFromManyToOne } from './clusters.js';
import { type LinkOptions, type LinkOptionsInput, linkOptionsSchema } from './options.js';
import { type PairConflicts, pairConflicts } from './pairConflicts.js';
import { decideThreshold, type ThresholdDecision } from './threshold.js';

/** Below this many bytes in all, files are read one after another on this thread (a worker's start-up would cost more). */
const PARALLEL_READ_BYTES = 32 << 20;

const DATASET_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export type LinkStage = 'load' | 'block' | 'score' | 'solve' | 'keys';

export interface LinkProgress {
  readonly stage: LinkStage;
  readonly done: number;
  readonly total: number;
  /** While comparing: pairs compared so far in this dataset pair. */
  readonly comparisonsDone?: number;
}

export interface LinkInput {
  readonly name?: string;
  readonly path: string;
  /**
   * Whether several records of this dataset may belong to one person (a hospital's episodes).
   * Default false: at most one record per person, and results are as before. Per mode:
   *   - multi: its records may share a cluster, so every record of a person gets the person's
   *     key (records of one dataset are never compared with each other: they join through the
   *     other datasets' records, by the usual anti-chaining rule);
   *   - many-to-one: the left dataset always may (many left records share a spine record), so
   *     true changes nothing there; the spine (right) may not — it is one record per person;
   *   - one-to-one assumes one record per person on each side and cannot honour it: true is
   *     refused (CL_USAGE) rather than splitting a person's records silently;
   *   - dedup: finding a dataset's repeated records is what dedup does; accepted, no effect.
   */
  readonly repeats?: boolean;
}

export interface KeySource {
  /** Keys each record held before this run (aligned with refs). */
  existingKeys(dataset: string, refs: readonly string[]): (string | undefined)[];
}

export interface LinkRunRequest {
  readonly inputs: readonly LinkInput[];
  readonly options: LinkOptionsInput;
  readonly keySource?: KeySource;
  readonly onProgress?: (p: LinkProgress) => void;
  readonly signal?: AbortSignal;
}

export interface PairResult {
  /** Dataset positions in `datasets`. */
  readonly left: number;
  readonly right: number;
  readonly blocking: BlockingReport;
  readonly candidatePairs: number;
  readonly comparisons: number;
  /** Candidates handed to the solver (with the rows widened by one-to-one's re-query). */
  readonly candidatesKept: number;
  /**
   * One-to-one: the left rows scored again with a larger k so that the links are greedy over
   * every candidate at or above the floor, not only the top k (solve/exactOneToOne.ts); null in
   * the other modes, whose solvers need no more than each record's best candidates.
   */
  readonly requery: RequeryStats | null;
  /** Links accepted at the final threshold (one-to-one / many-to-one); for dedup and multi, the linked pairs inside clusters. */
  readonly links: Links;
  /** Links at the floor, before the threshold: the material for sweeps and "± 0.02" reports. */
  readonly linksAtFloor: Links;
  /** Records with near-equal best candidates at the threshold; null for dedup (one dataset, no sides). */
  readonly conflicts: PairConflicts | null;
  readonly built: BuiltIndex;
}

export interface LinkRunResult {
  readonly options: LinkOptions;
  readonly datasets: readonly EncodedDataset[];
  readonly pairs: readonly PairResult[];
  readonly threshold: ThresholdDecision;
  /**
   * The fitted score model behind the threshold, for callers that need estimates at other
   * thresholds (the cohort's exclusion matching picks the one whose estimated recall is 0.999).
   */
  readonly thresholdModel: ThresholdModel;
  /** Per dataset, per record: the cluster (person) it belongs to. */
  readonly clusterOf: readonly Int32Array[];
  readonly clusterCount: number;
  readonly clusterStats: ClusterStats | null;
  /** The linkage key of each cluster. */
  readonly clusterKey: readonly string[];
  readonly keyStats: KeyAssignmentStats;
  readonly timings: Readonly<Record<LinkStage, number>>;
}

export async function runLink(request: LinkRunRequest): Promise<LinkRunResult> {
  const options = parseOptions(request.options);
  const { inputs } = request;
  const expected = options.mode === 'dedup' ? [1, 1] : options.mode === 'multi' ? [2, 64] : [2, 2];
  if (inputs.length < expected[0]! || inputs.length > expected[1]!)
    throw new CohortlinkError(
      'CL_USAGE',
      `mode ${options.mode} links ${expected[0] === expected[1] ? expected[0] : `${expected[0]} or more`} encodings files, got ${inputs.length}`,
    );
  const names = inputs.map(inputName);
  // Names become file names (<name>.keys.csv) and report labels: plain characters only.
  const badName = names.find((n) => !DATASET_NAME.test(n) || n === '.' || n === '..');
  if (badName !== undefined)
    throw new CohortlinkError(
      'CL_USAGE',
      `dataset name '${badName.slice(0, 64)}' must be 1–64 letters, digits, '.', '_' or '-' (rename the file or use --names)`,
    );
  if (new Set(names).size !== names.length)
    throw new CohortlinkError(
      'CL_USAGE',
      `dataset names must differ: ${names.join(', ')} (name them explicitly)`,
    );
  const repeats = inputs.map((i) => i.repeats === true);
  checkRepeats(options.mode, names, repeats);

  const timings: Record<LinkStage, number> = { load: 0, block: 0, score: 0, solve: 0, keys: 0 };
  const timed = async <T>(stage: LinkStage, f: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[stage] += (performance.now() - t0) / 1000;
    }
  };
  const progress = request.onProgress ?? (() => {});
  const checkAbort = (): void => {
    if (request.signal?.aborted) throw new CohortlinkError('CL_CANCELLED', 'the linkage run was cancelled');
  };

  // Every store lives in one shared WASM memory, so scoring workers read the filters in place.
  const arena = new WasmArena();
  const datasets = await timed('load', async () => {
    const sizes = inputs.map((i) => fileSize(i.path));
    const total = sizes.reduce((a, b) => a + b, 0);
    const read = new Float64Array(inputs.length);
    const report = (k: number, bytes: number): void => {
      read[k] = bytes;
      progress({ stage: 'load', done: read.reduce((a, b) => a + b, 0), total });
    };
    if (inputs.length > 1 && total >= PARALLEL_READ_BYTES) {
      // Large files are parsed on one thread each, in parallel; fingerprints are compared after.
      const out = await Promise.all(
        inputs.map((input, k) =>
          readEncodingsInWorker(input.path, {
            name: names[k]!,
            allocator: arena,
            onProgress: (bytes) => report(k, bytes),
            ...(request.signal !== undefined ? { signal: request.signal } : {}),
          }),
        ),
      );
      checkCompatible(out);
      return out;
    }
    const out: EncodedDataset[] = [];
    for (const [k, input] of inputs.entries()) {
      checkAbort();
      out.push(
        await readEncodings(input.path, {
          name: names[k]!,
          allocator: arena,
          onProgress: (bytes) => report(k, bytes),
        }),
      );
      // Compare fingerprints as soon as two are known: a mismatch fails before more reading.
      checkCompatible(out);
    }
    return out;
  });

  const pairPlan: [number, number][] = [];
  if (options.mode === 'dedup') pairPlan.push([0, 0]);
  else
    for (let a = 0; a < datasets.length; a++)
      for (let b = a + 1; b < datasets.length; b++) pairPlan.push([a, b]);

  const scored: Scored[] = [];
  const candidateSets: CandidateArrays[] = [];
  for (const [a, b] of pairPlan) {
    checkAbort();
    const built = await timed('block', () =>
      buildBlockIndex(datasets[a]!, a === b ? 'self' : datasets[b]!, {
        mode: options.blocking,
        lshThreshold: options.lshThreshold,
        maxBlockPairs: options.maxBlockPairs,
        ...(options.blockKeys !== undefined ? { keys: options.blockKeys } : {}),
      }),
    );
    const s = await timed('score', () =>
      scoreCandidates(built.index, datasets[a]!.store, datasets[b]!.store, options.floor, {
        workers: options.workers,
        topK: options.topK,
        ...(request.signal !== undefined ? { signal: request.signal } : {}),
        onProgress: (p) =>
          progress({
            stage: 'score',
            done: p.rowsDone,
            total: p.rowsTotal,
            comparisonsDone: p.comparisonsDone,
          }),
      }),
    );
    candidateSets.push(s.candidates);
    scored.push({
      left: a,
      right: b,
      blocking: built.report,
      candidatePairs: s.stats.candidatePairs,
      comparisons: s.stats.comparisons,
      candidatesKept: s.stats.kept,
      requery: null,
      built,
    });
  }

  checkAbort();
  // One-to-one (one pair of datasets): greedy at the floor over every candidate, not only the
  // top k scoring kept. Many-to-one needs only each left record's best candidate, which top-k
  // holds; dedup and multi cluster with the anti-chaining rule, which weighs every pair between
  // two clusters, so the settling argument of exactOneToOne does not carry over to them.
  let exactLinks: Links | undefined;
  if (options.mode === 'one-to-one') {
    const s = scored[0]!;
    const exact = await timed('solve', () =>
      exactOneToOne(candidateSets[0]!, {
        leftCount: datasets[s.left]!.store.count,
        rightCount: datasets[s.right]!.store.count,
        threshold: options.floor,
        topK: options.topK,
        maxTopK: KERNEL_LIMITS.maxTopK,
        widen: async (rows, k) => {
          checkAbort();
          const r = await rescoreRows(
            s.built.index,
            datasets[s.left]!.store,
            datasets[s.right]!.store,
            options.floor,
            rows,
            {
              workers: options.workers,
              ...(k !== undefined ? { topK: k } : {}),
              ...(request.signal !== undefined ? { signal: request.signal } : {}),
            },
          );
          return r.candidates;
        },
      }),
    );
    candidateSets[0] = exact.candidates;
    scored[0] = { ...s, candidatesKept: exact.candidates.length, requery: exact.requery };
    exactLinks = exact.links;
  }
  checkAbort();
  const solved = await timed('solve', () =>
    solve(options, datasets, scored, candidateSets, repeats, exactLinks),
  );
  checkAbort();
  const keys = await timed('keys', () => {
    const existing = datasets.map((d) => request.keySource?.existingKeys(d.name, d.refs) ?? []);
    return assignLinkageKeys({ clusterOf: solved.clusterOf, clusterCount: solved.clusterCount, existing });
  });

  return {
    options,
    datasets,
    pairs: solved.pairs,
    threshold: solved.threshold,
    thresholdModel: solved.thresholdModel,
    clusterOf: solved.clusterOf,
    clusterCount: solved.clusterCount,
    clusterStats: solved.clusterStats,
    clusterKey: keys.clusterKey,
    keyStats: keys.stats,
    timings,
  };
}

/** A dataset's name: as given, or its file's name without `.ndjson`. */
export function inputName(input: Pick<LinkInput, 'name' | 'path'>): string {
  return input.name ?? basename(input.path).replace(/\.ndjson$/i, '');
}

/**
 * Repeats (several records of one person in a dataset) where the mode cannot put them together:
 * refused, since splitting them would give one person several keys (and so let a second record
 * escape an opt-out or a death flag held against the first).
 */
function checkRepeats(
  mode: LinkOptions['mode'],
  names: readonly string[],
  repeats: readonly boolean[],
): void {
  const bad =
    mode === 'one-to-one'
      ? repeats.flatMap((r, k) => (r ? [names[k]!] : []))
      : mode === 'many-to-one' && repeats[1] === true
        ? [names[1]!]
        : [];
  if (bad.length === 0) return;
  throw new CohortlinkError(
    'CL_USAGE',
    mode === 'one-to-one'
      ? `one-to-one linkage assumes one record per person on each side, but ${bad.join(' and ')} may hold several records of one person (repeats): link it in many-to-one mode as the left dataset, or in multi mode`
      : `many-to-one linkage assumes one record per person in the spine (right), but ${bad[0]} may hold several records of one person (repeats): make it the left dataset, or link in multi mode`,
  );
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // the reader reports the unreadable file itself
  }
}

function parseOptions(input: LinkOptionsInput): LinkOptions {
  const parsed = linkOptionsSchema.safeParse(input);
  if (!parsed.success)
    throw new CohortlinkError(
      'CL_USAGE',
      `invalid link options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

type Scored = Omit<PairResult, 'links' | 'linksAtFloor' | 'conflicts'>;

interface Solved {
  readonly pairs: PairResult[];
  readonly threshold: ThresholdDecision;
  readonly thresholdModel: ThresholdModel;
  readonly clusterOf: Int32Array[];
  readonly clusterCount: number;
  readonly clusterStats: ClusterStats | null;
}

function solve(
  options: LinkOptions,
  datasets: readonly EncodedDataset[],
  scored: readonly Scored[],
  candidateSets: readonly CandidateArrays[],
  repeats: readonly boolean[],
  exactLinks: Links | undefined,
): Solved {
  const s = solveLinks(options, datasets, scored, candidateSets, repeats, exactLinks);
  // Conflicts say whether a record was linked through the clusters, so they come last.
  if (options.mode === 'dedup') return s;
  return {
    ...s,
    pairs: s.pairs.map((p, k) => ({
      ...p,
      conflicts: pairConflicts({
        candidates: candidateSets[k]!,
        leftCluster: s.clusterOf[p.left]!,
        rightCluster: s.clusterOf[p.right]!,
        clusterCount: s.clusterCount,
        threshold: s.threshold.threshold,
      }),
    })),
  };
}

function solveLinks(
  options: LinkOptions,
  datasets: readonly EncodedDataset[],
  scored: readonly Scored[],
  candidateSets: readonly CandidateArrays[],
  repeats: readonly boolean[],
  /** One-to-one's links at the floor, already solved over every candidate (exactOneToOne). */
  exactLinks: Links | undefined,
): Solved {
  // Greedy links at the floor: the links at any threshold t ≥ floor are exactly those scoring
  // ≥ t. The threshold model is fitted on the very links it cuts (in many-to-one mode records
  // outside the spine all link somewhere; a one-to-one fit would hide most of those).
  const bipartite = scored.map((s) => ({
    leftCount: datasets[s.left]!.store.count,
    rightCount: datasets[s.right]!.store.count,
    threshold: options.floor,
  }));
  const mode = options.mode === 'many-to-one' ? 'many-to-one' : 'one-to-one';
  const atFloor = scored.map((_, k) =>
    mode === 'many-to-one'
      ? manyToOne(candidateSets[k]!, bipartite[k]!)
      : k === 0 && exactLinks !== undefined
        ? exactLinks
        : oneToOne(candidateSets[k]!, bipartite[k]!),
  );
  const { fullModel, ...threshold } = decideThreshold(
    scored.map((s, k) => ({
      candidates: candidateSets[k]!,
      links: atFloor[k]!,
      mode,
      leftCount: datasets[s.left]!.store.count,
      rightCount: datasets[s.right]!.store.count,
    })),
    options.threshold,
    options.floor,
  );
  const pairs = scored.map((s, k) => ({
    ...s,
    linksAtFloor: atFloor[k]!,
    links: filterLinks(atFloor[k]!, threshold.threshold),
    conflicts: null,
  }));

  if (options.mode === 'one-to-one') {
    const { clusterOf, clusterCount } = clustersFromLinks(
      pairs[0]!.links,
      datasets[0]!.store.count,
      datasets[1]!.store.count,
    );
    return { pairs, threshold, thresholdModel: fullModel, clusterOf, clusterCount, clusterStats: null };
  }
  if (options.mode === 'many-to-one') {
    const { clusterOf, clusterCount } = clustersFromManyToOne(
      pairs[0]!.links,
      datasets[0]!.store.count,
      datasets[1]!.store.count,
    );
    return { pairs, threshold, thresholdModel: fullModel, clusterOf, clusterCount, clusterStats: null };
  }
  if (options.mode === 'dedup') {
    const r = dedup(candidateSets[0]!, { count: datasets[0]!.store.count, threshold: threshold.threshold });
    return {
      pairs,
      threshold,
      thresholdModel: fullModel,
      clusterOf: [r.clusterId],
      clusterCount: r.stats.clusters,
      clusterStats: r.stats,
    };
  }
  const r = multiParty(
    scored.map((s, k) => ({ datasetA: s.left, datasetB: s.right, candidates: candidateSets[k]! })),
    datasets.map((d) => d.store.count),
    // Without any repeats the option is left out: the solve is exactly that of earlier versions.
    { threshold: threshold.threshold, ...(repeats.includes(true) ? { repeats } : {}) },
  );
  return {
    pairs,
    threshold,
    thresholdModel: fullModel,
    clusterOf: r.clusterIds,
    clusterCount: r.stats.clusters,
    clusterStats: r.stats,
  };
}

/** The links of a greedy solution scoring at least t (the solution at threshold t). */
export function filterLinks(links: Links, t: number): Links {
  let n = 0;
  for (let k = 0; k < links.length; k++) if (links.score[k]! >= t) n++;
  const left = new Uint32Array(n);
  const right = new Uint32Array(n);
  const score = new Float64Array(n);
  const rightSeen = new Set<number>();
  for (let k = 0, m = 0; k < links.length; k++)
    if (links.score[k]! >= t) {
      left[m] = links.left[k]!;
      right[m] = links.right[k]!;
      score[m++] = links.score[k]!;
      rightSeen.add(links.right[k]!);
    }
  const leftTotal = links.length + links.leftUnlinked;
  const rightTotal = links.rightLinked + links.rightUnlinked;
  return {
    left,
    right,
    score,
    length: n,
    candidatesConsidered: links.candidatesConsidered,
    rightLinked: rightSeen.size,
    leftUnlinked: leftTotal - n,
    rightUnlinked: rightTotal - rightSeen.size,
  };
}
