/**
 * The linkage-quality report model (issue 6, §1): everything a governance reviewer needs to
 * judge one link run, built from its run summary and, optionally, its links at the floor and the
 * subgroup link rates (subgroups.ts). It is plain JSON and holds counts, names of datasets,
 * passes and regions, and fingerprints only: refs are dropped when the floor file is read
 * (floorScores.ts), subgroup rates leave as counts, and the summary is re-validated with unknown
 * keys stripped (runSummarySchema.ts), so no reference, key or encoding can get in.
 */
import { readFileSync } from 'node:fs';
import { CohortlinkError } from '../errors.js';
import { countAtLeast } from '../quality/sortedCounts.js';
import { type Provenance, provenance } from './provenance.js';
import { type ParsedRunSummary, parseRunSummary } from './runSummarySchema.js';
import {
  HISTOGRAM_BIN_WIDTH,
  type HistogramBin,
  type ScoreBand,
  scoreBands,
  scoreHistogram,
  type ThresholdShift,
  thresholdShifts,
} from './scoreStats.js';
import type { SubgroupSection } from './subgroups.js';

export const LINKAGE_REPORT_FORMAT = 'cohortlink-linkage-report/1';

export interface LinkageReport {
  readonly format: typeof LINKAGE_REPORT_FORMAT;
  /** Absent from reports built before it was added (a cached model is re-read as it was). */
  readonly generated?: Provenance;
  readonly runId?: string | null;
  readonly mode: string;
  readonly inputs: ParsedRunSummary['inputs'];
  readonly parameters: ParsedRunSummary['parameters'];
  readonly threshold: {
    readonly value: number;
    /** 'fixed' (given by the user), 'null-mixture' (chosen from the scores) or 'no-matches'. */
    readonly method: string;
    readonly chosenAutomatically: boolean;
    /** Recall is of the matches the run could see: true pairs blocking proposed that score ≥ the floor. */
    readonly estimated: { readonly precision: number; readonly recall: number; readonly f1: number };
    /**
     * 95 % intervals of the estimates (resampled fits of the link scores and the null sample);
     * null when the summary predates them, absent from reports built before they were added.
     */
    readonly intervals?: {
      readonly precision: Interval;
      readonly recall: Interval;
      readonly f1: Interval;
    } | null;
    /**
     * What the estimates rest on: 'runner-ups' (confident links' runner-ups sampled the null) or
     * 'all-links' (too few confident links: every link's were used, the estimates are rough);
     * null when the summary predates it, absent from reports built before it was added.
     */
    readonly basis?: string | null;
    /** The threshold model's estimates at t ± 0.02 / 0.05, with their intervals when the summary has them. */
    readonly around: ParsedRunSummary['threshold']['around'];
    readonly model: ParsedRunSummary['threshold']['model'] | null;
  };
  readonly counts: {
    readonly candidatePairs: number;
    readonly comparisons: number;
    readonly links: number;
    readonly linksAtFloor: number;
    readonly people: number;
    readonly unlinked: readonly { readonly dataset: string; readonly records: number }[];
  };
  readonly timings: ParsedRunSummary['timings'];
  readonly keys: ParsedRunSummary['keys'];
  /** Null without a floor-links file. */
  readonly scores: {
    readonly floor: number;
    readonly binWidth: number;
    readonly floorLinks: number;
    /** Floor links scoring ≥ the threshold; equals counts.links for an unaltered file. */
    readonly linksAtThreshold: number;
    readonly histogram: readonly HistogramBin[];
    readonly bands: readonly ScoreBand[];
    readonly shifts: readonly ThresholdShift[];
  } | null;
  /**
   * Real quality against a truth file (`link --truth`), per dataset pair, with the
   * precision–recall curve when the summary has it; null without a truth file.
   */
  readonly evaluation: NonNullable<ParsedRunSummary['evaluation']> | null;
  readonly blocking: readonly BlockingSection[];
  /**
   * Records with near-equal best candidates, per dataset pair (none in dedup runs); null when the
   * summary predates them.
   */
  readonly conflicts: readonly ConflictSection[] | null;
  /** Clusters of a dedup or multi-party run, with those split to stop chaining; null otherwise. */
  readonly clusters: ClusterSection | null;
  /** Link rates by age band, sex and region; null when no attributes were given. */
  readonly subgroups: SubgroupSection | null;
}

type SideConflicts = NonNullable<ParsedRunSummary['pairs'][number]['conflicts']>['left'];

export interface ConflictSection {
  readonly left: string;
  readonly right: string;
  readonly margin: number;
  readonly threshold: number;
  readonly leftRecords: SideConflicts;
  readonly rightRecords: SideConflicts;
}

export interface ClusterSection extends Omit<NonNullable<ParsedRunSummary['clusters']>, 'sizeCounts'> {
  /** Clusters by number of records, sizes that occur only. */
  readonly sizes: readonly { readonly size: number; readonly clusters: number }[];
}

/** A 95 % interval of an estimate. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface BlockingSection {
  readonly left: string;
  readonly right: string | null;
  readonly mode: string;
  readonly requestedMode: string;
  readonly totalPairs: number;
  readonly candidatePairs: number;
  readonly reductionRatio: number;
  readonly unblockedLeft: number;
  readonly unblockedRight: number;
  readonly lsh: Readonly<Record<string, unknown>> | null;
  readonly passes: ParsedRunSummary['pairs'][number]['blocking']['passes'];
  readonly cappedBlocks: number;
  readonly cappedPairs: number;
  /**
   * One-to-one's re-query of left records whose top-k list was cut (records scored again, rounds,
   * candidate pairs added); null in other modes or when the summary predates it, absent from
   * reports built before it was added.
   */
  readonly requery?: ParsedRunSummary['pairs'][number]['requery'] | null;
}

export interface ReportSources {
  /** Parsed run summary JSON (validated here). */
  readonly summary: unknown;
  /** Name of the summary for error messages (a file path). */
  readonly summarySource: string;
  /** Scores of the links at the floor, ascending (floorScores.ts). */
  readonly floorScores?: Float64Array;
  /** Subgroup link rates (subgroupLinkRates), when the dataset attributes were given. */
  readonly subgroups?: SubgroupSection;
  /** The service's run id (service runs only; a CLI run has none). */
  readonly runId?: string;
}

export function buildLinkageReport(src: ReportSources): LinkageReport {
  const s = parseRunSummary(src.summary, src.summarySource);
  const t = s.threshold.threshold;
  const sum = (f: (p: ParsedRunSummary['pairs'][number]) => number): number =>
    s.pairs.reduce((a, p) => a + f(p), 0);
  return {
    format: LINKAGE_REPORT_FORMAT,
    generated: provenance(),
    runId: src.runId ?? null,
    mode: s.mode,
    inputs: s.inputs,
    parameters: s.parameters,
    threshold: {
      value: t,
      method: s.threshold.method,
      chosenAutomatically: s.parameters.threshold === 'auto',
      estimated: {
        precision: s.threshold.estimatedPrecision,
        recall: s.threshold.estimatedRecall,
        f1: s.threshold.estimatedF1,
      },
      intervals: thresholdIntervals(s.threshold),
      basis: s.threshold.basis ?? null,
      around: s.threshold.around,
      model: s.threshold.model ?? null,
    },
    counts: {
      candidatePairs: sum((p) => p.candidatePairs),
      comparisons: sum((p) => p.comparisons),
      links: sum((p) => p.links),
      linksAtFloor: sum((p) => p.linksAtFloor),
      people: s.people,
      unlinked: unlinkedPerDataset(s),
    },
    timings: s.timings,
    keys: s.keys,
    scores: src.floorScores === undefined ? null : scoreSection(src.floorScores, s.parameters.floor, t),
    evaluation: s.evaluation ?? null,
    blocking: s.pairs.map((p) => ({
      left: p.left,
      right: p.right,
      mode: p.blocking.mode,
      requestedMode: p.blocking.requestedMode,
      totalPairs: p.blocking.totalPairs,
      candidatePairs: p.candidatePairs,
      reductionRatio: p.reductionRatio,
      unblockedLeft: p.blocking.unblockedLeft,
      unblockedRight: p.blocking.unblockedRight,
      lsh: p.blocking.lsh,
      passes: p.blocking.passes,
      cappedBlocks: p.blocking.passes.reduce((a, x) => a + x.cappedBlocks, 0),
      cappedPairs: p.blocking.passes.reduce((a, x) => a + x.cappedPairs, 0),
      requery: p.requery ?? null,
    })),
    conflicts: conflictSections(s),
    clusters: clusterSection(s),
    subgroups: src.subgroups ?? null,
  };
}

/** The three intervals at the threshold, or null unless the summary has all of them. */
function thresholdIntervals(t: ParsedRunSummary['threshold']): LinkageReport['threshold']['intervals'] {
  const { precisionInterval: precision, recallInterval: recall, f1Interval: f1 } = t;
  return precision && recall && f1 ? { precision, recall, f1 } : null;
}

function conflictSections(s: ParsedRunSummary): ConflictSection[] | null {
  if (s.pairs.every((p) => p.conflicts === undefined)) return null;
  return s.pairs.flatMap((p) =>
    p.conflicts == null || p.right === null
      ? []
      : [
          {
            left: p.left,
            right: p.right,
            margin: p.conflicts.margin,
            threshold: p.conflicts.threshold,
            leftRecords: p.conflicts.left,
            rightRecords: p.conflicts.right,
          },
        ],
  );
}

function clusterSection(s: ParsedRunSummary): ClusterSection | null {
  if (s.clusters == null) return null;
  const { sizeCounts, ...stats } = s.clusters;
  return {
    ...stats,
    sizes: sizeCounts.flatMap((clusters, size) => (size > 0 && clusters > 0 ? [{ size, clusters }] : [])),
  };
}

function scoreSection(sorted: Float64Array, floor: number, threshold: number): LinkageReport['scores'] {
  return {
    floor,
    binWidth: HISTOGRAM_BIN_WIDTH,
    floorLinks: sorted.length,
    linksAtThreshold: countAtLeast(sorted, threshold),
    histogram: scoreHistogram(sorted, floor),
    bands: scoreBands(sorted, floor, threshold),
    shifts: thresholdShifts(sorted, threshold),
  };
}

/**
 * Unlinked records per dataset: from the final clusters when the summary has them (a
 * multi-party record linked in any pair is linked); older summaries only had per-pair counts,
 * taken from the first pair a dataset appears in.
 */
function unlinkedPerDataset(s: ParsedRunSummary): { dataset: string; records: number }[] {
  const out = new Map<string, number>();
  for (const d of s.inputs) if (d.unlinked !== undefined) out.set(d.name, d.unlinked);
  for (const p of s.pairs) {
    if (!out.has(p.left)) out.set(p.left, p.leftUnlinked);
    if (p.right !== null && !out.has(p.right)) out.set(p.right, p.rightUnlinked);
  }
  return s.inputs.filter((d) => out.has(d.name)).map((d) => ({ dataset: d.name, records: out.get(d.name)! }));
}

/** The JSON of a run summary file, not yet validated (buildLinkageReport and parseRunSummary do that). */
export function readRunSummaryJson(summaryPath: string): unknown {
  let text: string;
  try {
    text = readFileSync(summaryPath, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read the run summary ${summaryPath}`, [], {
      cause: err,
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // JSON.parse's message quotes the text; a wrong file (a links CSV) would put refs in it.
    throw new CohortlinkError('CL_FILE_UNREADABLE', `${summaryPath} is not JSON`, [], { cause: err });
  }
}
