/**
 * The run summary (`cohortlink-run-summary/1`, written by src/matching/link/summary.ts) as read
 * back by reports. It is validated here because a report may be built from a file that was
 * edited, truncated or written by another version: a reviewer must get an error naming the JSON
 * path, not a page of NaN. Objects are zod's default (unknown keys stripped), so nothing the
 * report does not know about — whatever a future summary adds — can pass through into it.
 * Fields added after the first summaries were written (conflicts, clusters, the precision–recall
 * curve, the estimates' intervals and basis, the re-query counts) are optional, so older summaries
 * still load; the report says when they are absent.
 */
import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../errors.js';

export const RUN_SUMMARY_FORMAT = 'cohortlink-run-summary/1';

const count = z.number().int().nonnegative();
const unit = z.number().min(0).max(1);
const scalar = z.union([z.boolean(), z.number(), z.string(), z.null()]);

/** A 95 % interval of an estimate (threshold/autoThreshold.ts `intervalsAt`). */
const interval = z
  .object({ low: unit, high: unit })
  .refine((i) => i.low <= i.high, { message: 'low must not exceed high', path: ['low'] });

/** The intervals of precision, recall and F1; absent in summaries written before them. */
const intervals = {
  precisionInterval: interval.optional(),
  recallInterval: interval.optional(),
  f1Interval: interval.optional(),
};

const confusion = z.object({
  threshold: z.number(),
  links: z.number().nonnegative(),
  truePositives: z.number(),
  falsePositives: z.number(),
  falseNegatives: z.number(),
  precision: unit,
  recall: unit,
  f1: unit,
  ...intervals,
});

const pass = z.object({
  name: z.string(),
  kind: z.string(),
  blocks: count,
  pairs: count,
  largestBlockPairs: count,
  leftWithoutKey: count,
  rightWithoutKey: count,
  cappedBlocks: count,
  cappedPairs: count,
  cappedRecords: count,
  sizeHistogram: z.array(z.object({ maxPairs: count.nullable(), blocks: count })),
});

const sideConflicts = z.object({
  recordsWithCandidates: count,
  conflicted: count,
  linked: count,
});

const conflicts = z.object({
  margin: unit,
  threshold: unit,
  left: sideConflicts,
  right: sideConflicts,
});

/** RequeryStats (src/matching/solve/exactOneToOne.ts). */
const requery = z.object({
  rounds: count,
  rows: count,
  pairsAdded: count,
  seconds: z.number().nonnegative(),
});

const pair = z.object({
  left: z.string(),
  right: z.string().nullable(),
  blocking: z.object({
    mode: z.string(),
    requestedMode: z.string(),
    totalPairs: count,
    passes: z.array(pass),
    lsh: z.record(z.string(), scalar).nullable(),
    unblockedLeft: count,
    unblockedRight: count,
  }),
  candidatePairs: count,
  reductionRatio: z.number().max(1),
  comparisons: count,
  candidatesKept: count,
  links: count,
  linksAtFloor: count,
  leftUnlinked: count,
  rightUnlinked: count,
  /** Null for dedup; absent in summaries written before conflicts were recorded. */
  conflicts: conflicts.nullable().optional(),
  /** One-to-one's re-query of rows cut by top-k; null in other modes, absent in older summaries. */
  requery: requery.nullable().optional(),
});

/** ClusterStats of a dedup or multi-party run (src/matching/solve/types.ts). */
const clusters = z.object({
  clusters: count,
  sizeCounts: z.array(count),
  largest: count,
  singletons: count,
  candidatesConsidered: count,
  merges: count,
  refusedByLinkage: count,
  refusedBySameDataset: count,
  clustersWithRefusals: count,
});

const curvePoint = z.object({
  threshold: unit,
  links: count,
  precision: unit,
  recall: unit,
  f1: unit,
});

const evaluation = z.object({
  left: z.string(),
  right: z.string(),
  truePairs: count,
  links: count,
  truePositives: count,
  falsePositives: count,
  falseNegatives: count,
  precision: unit,
  recall: unit,
  f1: unit,
  pairCompleteness: unit,
  curve: z.array(curvePoint).optional(),
  bestF1: curvePoint.optional(),
});

export const runSummarySchema = z.object({
  format: z.literal(RUN_SUMMARY_FORMAT),
  mode: z.string(),
  inputs: z
    .array(
      z.object({
        name: z.string(),
        records: count,
        filterBits: count,
        schemaFingerprint: z.string(),
        keyFingerprint: z.string(),
        hardening: z.record(z.string(), scalar),
        people: count,
        /** Records whose person has no record elsewhere; absent from summaries before it was added. */
        unlinked: count.optional(),
      }),
    )
    .min(1),
  parameters: z.object({
    threshold: z.union([z.number(), z.literal('auto')]),
    floor: unit,
    topK: count,
    blocking: z.string(),
    maxBlockPairs: count,
    workers: count,
  }),
  threshold: z.object({
    threshold: unit,
    method: z.string(),
    estimatedPrecision: unit,
    estimatedRecall: unit,
    estimatedF1: unit,
    ...intervals,
    /** 'runner-ups', or 'all-links' when too few links were confident (rough estimates). */
    basis: z.string().optional(),
    around: z.array(confusion),
    model: z.record(z.string(), scalar).nullable().optional(),
  }),
  pairs: z.array(pair),
  people: count,
  /** Null for one-to-one and many-to-one runs (they make no clusters beyond pairs). */
  clusters: clusters.nullable().optional(),
  keys: z.object({
    people: count,
    kept: count,
    created: count,
    merged: count,
    split: count,
    recordsRekeyed: count,
  }),
  timings: z.record(z.string(), z.number().nonnegative()),
  evaluation: z.array(evaluation).optional(),
});

export type ParsedRunSummary = z.infer<typeof runSummarySchema>;

/** Validates parsed JSON as a run summary; `source` (a file name) goes into the error. */
export function parseRunSummary(json: unknown, source: string): ParsedRunSummary {
  const r = runSummarySchema.safeParse(json);
  if (!r.success)
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `${source} is not a cohortlink run summary (${RUN_SUMMARY_FORMAT})`,
      issuesFromZod(r.error),
    );
  return r.data;
}
