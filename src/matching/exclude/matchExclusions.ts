/**
 * Conservative exclusion matching: which records of a run's datasets belong to someone an
 * exclusion source names (an opt-out register, or the records some dataset flags as deceased).
 *
 * Every target record is compared with every source directly, record against record, not
 * through the run's people: a person the run split in two (a second hospital episode), or an
 * opt-out record the run's anti-chaining rule kept apart, is still caught. Each target × source
 * pair is a many-to-one link (each target record to its best source record) at a deliberately
 * low exclusion threshold: the highest threshold whose estimated recall of true matches is at
 * least EXCLUSION_RECALL, within a fixed band and never above the run's own link threshold less
 * EXCLUSION_MARGIN,
 * since the recall estimate is itself an estimate. Missing an opted-out person is a breach of
 * the National Data Opt-out; excluding a look-alike costs one invitation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncodedDataset } from '../input/readEncodings.js';
import { runLink } from '../link/runLink.js';
import { estimateAt, type ThresholdModel } from '../threshold/index.js';
import { binOf, edgeOf } from '../threshold/scoreGrid.js';
import { writeEncodingsSubset } from './encodingsSubset.js';
import { DEFAULT_SHARED_KEY_RULE, type SharedKeyRule, sharedKeyMatches } from './sharedKeyMatches.js';

/** Estimated recall of true source matches that the exclusion threshold must reach. */
export const EXCLUSION_RECALL = 0.999;
/** The exclusion threshold stays at least this far below the run's link threshold. */
export const EXCLUSION_MARGIN = 0.05;
/** Step of the downward search for the threshold that reaches EXCLUSION_RECALL. */
const SEARCH_STEP = 0.005;

export const EXCLUSION_REASONS = ['optout', 'deceased'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];
/** Bit of each reason in a record's reason mask. */
export const REASON_BIT: Readonly<Record<ExclusionReason, number>> = { optout: 1, deceased: 2 };

export interface ExclusionTarget {
  readonly name: string;
  readonly path: string;
}

export interface ExclusionSource {
  readonly name: string;
  readonly path: string;
  readonly reason: ExclusionReason;
  /** Only these records of the file are the source (a dataset's deceased records); all if absent. */
  readonly refs?: readonly string[];
}

export interface ExclusionRequest {
  readonly targets: readonly ExclusionTarget[];
  readonly sources: readonly ExclusionSource[];
  /** The run's link threshold: the exclusion threshold stays EXCLUSION_MARGIN below it. */
  readonly linkThreshold: number;
  /** Lowest score ever considered a match (the run's candidate floor). */
  readonly floor: number;
  /** The block-key agreement rule (sharedKeyMatches.ts); its floor is always `floor`. */
  readonly sharedKeys?: SharedKeyRule;
  readonly workers?: number;
  readonly signal?: AbortSignal;
}

export interface ExclusionPairReport {
  readonly target: string;
  readonly source: string;
  readonly reason: ExclusionReason;
  readonly sourceRecords: number;
  readonly threshold: number;
  /** Estimated recall of true matches at that threshold (null: the model found no matches). */
  readonly estimatedRecall: number | null;
  /** Target records tied to the source (by either rule). */
  readonly matched: number;
  /** Of those, tied by block-key agreement (sharedKeyMatches.ts). */
  readonly byKeys?: number;
  /** Of those, tied only by Dice at or above the threshold. */
  readonly byScoreOnly?: number;
  /** The one-shared-key rule's Dice level (read off the null like the threshold). */
  readonly oneKeyDice?: number;
}

export interface ExclusionResult {
  /** target name → ref → reason mask (REASON_BIT). Only excluded refs appear. */
  readonly excluded: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly pairs: readonly ExclusionPairReport[];
}

/**
 * The Dice levels of both rules are read off the pair's own null distribution (the best
 * non-match scores the threshold model samples), so they mean the same on any encoding: a
 * folded or clkhash-style filter moves every score, and fixed Dice levels tuned on one encoding
 * exclude too many or too few on another (measured: XOR-folding the `uk` schema kept the fixed
 * 0.75 / 0.6 levels' false exclusions at 0.4 % but tripled the opt-outs missed).
 *   - The Dice rule starts where only NULL_SHARE_SCORE of non-matches' best scores reach: 0.75
 *     on the unfolded `uk` schema, whatever the run's own threshold (which can sit on the floor
 *     when its model fails, issue 13).
 *   - One shared block key needs a Dice that NULL_SHARE_ONE_KEY of non-matches reach (0.6 on the
 *     unfolded `uk` schema): a weak bar, since the shared key carries most of the evidence.
 * Without a null sample of MIN_NULL_SAMPLE scores (a handful of death records), the levels
 * measured on the unfolded `uk` schema are used.
 */
export const NULL_SHARE_SCORE = 0.002;
export const NULL_SHARE_ONE_KEY = 0.4;
export const MIN_NULL_SAMPLE = 200;
export const FALLBACK_SCORE = 0.75;
export const FALLBACK_ONE_KEY = 0.6;
/** How far above its start the Dice rule's threshold may go looking for the recall target. */
export const EXCLUSION_BAND = 0.05;

export interface ExclusionLevels {
  readonly threshold: number;
  /** Estimated recall of true matches at `threshold` (null: the model found no matches). */
  readonly estimatedRecall: number | null;
  /** Dice a record sharing one block key with a source record needs (sharedKeyMatches.ts). */
  readonly oneKeyDice: number;
  readonly calibrated: boolean;
}

/** The lowest score (on the model's grid) that at most `share` of the null reaches. */
function nullQuantile(model: ThresholdModel, share: number): number {
  for (let k = binOf(model.floor); k < model.nullTail.length; k++)
    if (model.nullTail[k]! <= share) return edgeOf(k);
  return 1;
}

/**
 * The Dice rule's threshold: the highest in [start, cap] whose estimated recall reaches
 * EXCLUSION_RECALL, where start is the null quantile above and cap is start + EXCLUSION_BAND
 * (and at most the link threshold less EXCLUSION_MARGIN); start when the model cannot certify
 * that recall in the band.
 */
export function exclusionLevels(
  model: ThresholdModel | undefined,
  floor: number,
  linkThreshold: number,
): ExclusionLevels {
  const calibrated = model !== undefined && model.nullSample >= MIN_NULL_SAMPLE;
  const start = Math.max(floor, calibrated ? nullQuantile(model, NULL_SHARE_SCORE) : FALLBACK_SCORE);
  const oneKeyDice = Math.max(floor, calibrated ? nullQuantile(model, NULL_SHARE_ONE_KEY) : FALLBACK_ONE_KEY);
  const cap = Math.max(start, Math.min(start + EXCLUSION_BAND, linkThreshold - EXCLUSION_MARGIN));
  const at = (threshold: number, estimatedRecall: number | null): ExclusionLevels => ({
    threshold: round3(threshold),
    estimatedRecall,
    oneKeyDice: round3(oneKeyDice),
    calibrated,
  });
  if (model === undefined || model.estimatedMatches <= 0) return at(start, null);
  for (let t = cap; t >= start - 1e-9; t -= SEARCH_STEP) {
    const recall = estimateAt(model, t).recall;
    if (recall >= EXCLUSION_RECALL) return at(t, recall);
  }
  return at(start, estimateAt(model, start).recall);
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function matchExclusions(req: ExclusionRequest): Promise<ExclusionResult> {
  const excluded = new Map<string, Map<string, number>>();
  const pairs: ExclusionPairReport[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'cohortlink-exclusion-'));
  try {
    const sources: (ExclusionSource & { records: number | undefined })[] = [];
    for (const [i, s] of req.sources.entries()) {
      if (s.refs === undefined) {
        sources.push({ ...s, records: undefined });
        continue;
      }
      const path = join(scratch, `source-${i}.ndjson`);
      sources.push({ ...s, path, records: await writeEncodingsSubset(s.path, path, new Set(s.refs)) });
    }
    for (const target of req.targets) {
      const marks = new Map<string, number>();
      excluded.set(target.name, marks);
      for (const source of sources) {
        if (source.records === 0) {
          pairs.push(report(target, source, 0, { threshold: req.floor, estimatedRecall: null }, 0));
          continue;
        }
        const result = await runLink({
          inputs: [
            { name: 'target', path: target.path },
            { name: 'source', path: source.path },
          ],
          options: {
            mode: 'many-to-one',
            threshold: req.floor,
            floor: req.floor,
            blocking: 'auto',
            workers: req.workers ?? 1,
          },
          ...(req.signal ? { signal: req.signal } : {}),
        });
        const chosen = exclusionLevels(result.thresholdModel, req.floor, req.linkThreshold);
        const links = result.pairs[0]!.linksAtFloor;
        const [t, s] = result.datasets as [EncodedDataset, EncodedDataset];
        const hit = sharedKeyMatches(t, s, {
          ...(req.sharedKeys ?? DEFAULT_SHARED_KEY_RULE),
          floor: req.floor,
          oneKeyDice: chosen.oneKeyDice,
        });
        const byKeys = hit.reduce((a, x) => a + (x >= 0 ? 1 : 0), 0);
        let byScoreOnly = 0;
        for (let i = 0; i < links.length; i++) {
          if (!(links.score[i]! >= chosen.threshold) || hit[links.left[i]!]! >= 0) continue;
          hit[links.left[i]!] = links.right[i]!;
          byScoreOnly++;
        }
        hit.forEach((x, i) => {
          if (x >= 0) marks.set(t.refs[i]!, (marks.get(t.refs[i]!) ?? 0) | REASON_BIT[source.reason]);
        });
        pairs.push({
          ...report(target, source, s.store.count, chosen, byKeys + byScoreOnly),
          byKeys,
          byScoreOnly,
          oneKeyDice: chosen.oneKeyDice,
        });
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { excluded, pairs };
}

function report(
  target: ExclusionTarget,
  source: ExclusionSource,
  sourceRecords: number,
  chosen: { threshold: number; estimatedRecall: number | null },
  matched: number,
): ExclusionPairReport {
  return {
    target: target.name,
    source: source.name,
    reason: source.reason,
    sourceRecords,
    threshold: chosen.threshold,
    estimatedRecall: chosen.estimatedRecall,
    matched,
  };
}
