/**
 * The data-quality report of one uploaded dataset (issue 6, §2): per field how many values were
 * present, missing or invalid and why, rows encoded and rejected, the popcount distribution,
 * duplicate encodings, and how the dataset compares with the other datasets of its project.
 *
 * The dataset itself is read in full (encodingStats.ts: popcounts and duplicates need every
 * filter). The other datasets are summarised from their header and summary lines only
 * (encodingsSummary.ts): the comparison needs their per-field counts and popcount means, which
 * the encoder already wrote, and reading several million-record files in full would cost
 * seconds each for nothing.
 *
 * Counts, rates, names and fingerprints only: no ref, value or encoding enters the model.
 */
import type { HeaderLine, SummaryLine } from '../encoding/ndjson.js';
import { type EncodingStats, readEncodingStats } from './encodingStats.js';
import { readEncodingsEnds } from './encodingsSummary.js';
import { type Provenance, provenance } from './provenance.js';

export const DATASET_QUALITY_REPORT_FORMAT = 'cohortlink-dataset-quality-report/1';

export interface EncodingsSource {
  readonly name: string;
  readonly path: string;
}

/**
 * A field rate is flagged when it is at least RATE_RATIO times the other datasets' median rate
 * and at least RATE_GAP above it (so 0.1% against 0.04% is not flagged, and neither is 52%
 * against 50%).
 */
export const RATE_RATIO = 2;
export const RATE_GAP = 0.05; // 5 percentage points
/**
 * A popcount mean is flagged when it differs from the median of the other datasets' means (same
 * schema only) by at least this share of it. True matches between datasets whose popcounts are
 * 10% apart cannot score above 2·0.9/1.9 ≈ 0.947 even when every bit of the smaller filter is
 * shared, so the gap eats into the margin above the threshold before any typing error does.
 */
export const POPCOUNT_MEAN_GAP = 0.1;

export const COMPARISON_RULES = {
  fieldRate: `flagged when this dataset's rate is at least ${RATE_RATIO}× the other datasets' median rate and at least ${RATE_GAP * 100} percentage points above it`,
  popcountMean: `flagged when the mean popcount differs from the median of the other datasets' means (same schema only) by at least ${POPCOUNT_MEAN_GAP * 100}%: the gap lowers the Dice score true matches can reach`,
} as const;

export interface CountByReason {
  readonly reason: string;
  readonly count: number;
}

export interface DatasetDescription {
  readonly name: string;
  readonly records: number;
  readonly filterBits: number;
  readonly schemaSource: string;
  readonly schemaFingerprint: string;
  readonly keyFingerprint: string;
  readonly hardening: HeaderLine['hardening'];
  readonly encoder: string;
  readonly createdAt: string;
}

export interface FieldQualityRow {
  readonly field: string;
  readonly present: number;
  readonly missing: number;
  readonly invalid: number;
  readonly missingRate: number;
  readonly invalidRate: number;
  readonly invalidReasons: readonly CountByReason[];
}

export interface PopcountBin {
  readonly popcount: number;
  readonly filters: number;
}

export interface OtherDatasetSummary {
  readonly name: string;
  readonly schemaFingerprint: string;
  readonly sameSchema: boolean;
  readonly summaryAvailable: boolean;
  /** From the other file's summary; null without one. */
  readonly encoded: number | null;
  readonly popcountMean: number | null;
}

export interface FieldComparison {
  readonly field: string;
  readonly missingRate: number;
  readonly invalidRate: number;
  /** The other datasets that encode this field and have a summary. */
  readonly others: readonly {
    readonly dataset: string;
    readonly missingRate: number;
    readonly invalidRate: number;
  }[];
  readonly othersMedianMissingRate: number | null;
  readonly othersMedianInvalidRate: number | null;
  readonly missingFlagged: boolean;
  readonly invalidFlagged: boolean;
}

export interface QualityFlag {
  readonly kind: 'missing' | 'invalid' | 'popcount-mean';
  readonly field: string | null;
  readonly message: string;
}

export interface DatasetQualityReport {
  readonly format: typeof DATASET_QUALITY_REPORT_FORMAT;
  readonly generated?: Provenance;
  readonly dataset: DatasetDescription;
  /** False when the file has no summary line: rows and fields are then unknown. */
  readonly summaryAvailable: boolean;
  readonly rows: {
    readonly read: number;
    readonly encoded: number;
    readonly encodedComplete: number;
    readonly encodedWithMissing: number;
    readonly rejected: number;
    readonly rejectReasons: readonly CountByReason[];
  } | null;
  readonly fields: readonly FieldQualityRow[];
  readonly popcount: {
    readonly min: number;
    readonly max: number;
    readonly mean: number;
    readonly sd: number;
    /** Every popcount from min to max, with how many filters have it. */
    readonly histogram: readonly PopcountBin[];
  };
  readonly duplicates: {
    /** Records whose filter equals another record's. */
    readonly records: number;
    /** Distinct filters that two or more records share. */
    readonly filters: number;
    readonly largestGroup: number;
    readonly share: number;
  };
  readonly comparison: {
    readonly rules: typeof COMPARISON_RULES;
    readonly others: readonly OtherDatasetSummary[];
    readonly fields: readonly FieldComparison[];
    readonly popcountMean: {
      readonly mean: number;
      readonly othersMedian: number | null;
      /** (mean − othersMedian) / othersMedian; null without a comparable dataset. */
      readonly relativeDifference: number | null;
      readonly flagged: boolean;
    };
  };
  readonly flags: readonly QualityFlag[];
}

export interface DatasetQualityOptions {
  /** Called now and then with bytes of the dataset read so far. */
  readonly onProgress?: (bytesRead: number) => void;
}

export async function buildDatasetQualityReport(
  dataset: EncodingsSource,
  others: readonly EncodingsSource[],
  options: DatasetQualityOptions = {},
): Promise<DatasetQualityReport> {
  // The others first: a bad comparison file fails in milliseconds, not after the long pass.
  const otherEnds = others
    .filter((o) => o.path !== dataset.path)
    .map((o) => ({ name: o.name, ...readEncodingsEnds(o.path) }));
  const stats = await readEncodingStats(dataset.path, { onProgress: options.onProgress });
  return datasetQualityFromStats(dataset.name, stats, otherEnds);
}

/** The report from statistics already gathered (the service may hold them). */
export function datasetQualityFromStats(
  name: string,
  stats: EncodingStats,
  others: readonly {
    readonly name: string;
    readonly header: HeaderLine;
    readonly summary: SummaryLine | undefined;
  }[],
): DatasetQualityReport {
  const h = stats.header;
  const s = stats.summary;
  const fields = s === undefined ? [] : fieldRows(s);
  const popcount = popcountFigures(stats.popcountCounts);
  const otherSummaries: OtherDatasetSummary[] = others.map((o) => ({
    name: o.name,
    schemaFingerprint: o.header.schemaFingerprint,
    sameSchema: o.header.schemaFingerprint === h.schemaFingerprint && o.header.filterBits === h.filterBits,
    summaryAvailable: o.summary !== undefined,
    encoded: o.summary?.encoded ?? null,
    popcountMean: o.summary?.popcount.mean ?? null,
  }));
  const fieldComparisons = fields.map((f) => compareField(f, others));
  const comparablePopcounts = otherSummaries
    .filter((o) => o.sameSchema && o.popcountMean !== null && (o.encoded ?? 0) > 0)
    .map((o) => o.popcountMean!);
  const othersMedian = median(comparablePopcounts);
  const relativeDifference =
    othersMedian === null || othersMedian === 0 || stats.records === 0
      ? null
      : (popcount.mean - othersMedian) / othersMedian;
  const popcountFlagged = relativeDifference !== null && Math.abs(relativeDifference) >= POPCOUNT_MEAN_GAP;

  const flags: QualityFlag[] = [];
  for (const c of fieldComparisons) {
    if (c.missingFlagged)
      flags.push({
        kind: 'missing',
        field: c.field,
        message: `${c.field} is missing in ${percent(c.missingRate)} of records, against a median of ${percent(c.othersMedianMissingRate!)} in the other datasets`,
      });
    if (c.invalidFlagged)
      flags.push({
        kind: 'invalid',
        field: c.field,
        message: `${c.field} is invalid in ${percent(c.invalidRate)} of records, against a median of ${percent(c.othersMedianInvalidRate!)} in the other datasets`,
      });
  }
  if (popcountFlagged)
    flags.push({
      kind: 'popcount-mean',
      field: null,
      message: `the mean popcount ${popcount.mean.toFixed(1)} is ${percent(Math.abs(relativeDifference!))} ${relativeDifference! < 0 ? 'below' : 'above'} the other datasets' median ${othersMedian!.toFixed(1)}: true matches will score lower`,
    });

  return {
    format: DATASET_QUALITY_REPORT_FORMAT,
    generated: provenance(),
    dataset: {
      name,
      records: stats.records,
      filterBits: h.filterBits,
      schemaSource: h.schemaSource,
      schemaFingerprint: h.schemaFingerprint,
      keyFingerprint: h.keyFingerprint,
      hardening: h.hardening,
      encoder: h.encoder,
      createdAt: h.createdAt,
    },
    summaryAvailable: s !== undefined,
    rows:
      s === undefined
        ? null
        : {
            read: s.rows,
            encoded: s.encoded,
            encodedComplete: s.encoded - s.encodedWithMissing,
            encodedWithMissing: s.encodedWithMissing,
            rejected: s.rejected,
            rejectReasons: byCount(s.rejectReasons),
          },
    fields,
    popcount,
    duplicates: {
      records: stats.duplicateRecords,
      filters: stats.duplicatedFilters,
      largestGroup: stats.largestDuplicateGroup,
      share: stats.records === 0 ? 0 : stats.duplicateRecords / stats.records,
    },
    comparison: {
      rules: COMPARISON_RULES,
      others: otherSummaries,
      fields: fieldComparisons,
      popcountMean: {
        mean: popcount.mean,
        othersMedian,
        relativeDifference,
        flagged: popcountFlagged,
      },
    },
    flags,
  };
}

function fieldRows(s: SummaryLine): FieldQualityRow[] {
  return Object.entries(s.fields).map(([field, q]) => {
    const { missingRate, invalidRate } = rates(q);
    return {
      field,
      present: q.present,
      missing: q.missing,
      invalid: q.invalid,
      missingRate,
      invalidRate,
      invalidReasons: byCount(q.invalidReasons),
    };
  });
}

/** Rates over the values the encoder looked at for this field (rejected rows are not counted). */
function rates(q: { present: number; missing: number; invalid: number }): {
  missingRate: number;
  invalidRate: number;
} {
  const total = q.present + q.missing + q.invalid;
  return total === 0
    ? { missingRate: 0, invalidRate: 0 }
    : { missingRate: q.missing / total, invalidRate: q.invalid / total };
}

function compareField(
  f: FieldQualityRow,
  others: readonly { readonly name: string; readonly summary: SummaryLine | undefined }[],
): FieldComparison {
  const rows = others.flatMap((o) => {
    const q = o.summary?.fields[f.field];
    if (q === undefined || q.present + q.missing + q.invalid === 0) return [];
    return [{ dataset: o.name, ...rates(q) }];
  });
  const missingMedian = median(rows.map((r) => r.missingRate));
  const invalidMedian = median(rows.map((r) => r.invalidRate));
  return {
    field: f.field,
    missingRate: f.missingRate,
    invalidRate: f.invalidRate,
    others: rows,
    othersMedianMissingRate: missingMedian,
    othersMedianInvalidRate: invalidMedian,
    missingFlagged: markedlyWorse(f.missingRate, missingMedian),
    invalidFlagged: markedlyWorse(f.invalidRate, invalidMedian),
  };
}

/** The comparison rule (see RATE_RATIO and RATE_GAP). */
export function markedlyWorse(rate: number, othersMedian: number | null): boolean {
  return othersMedian !== null && rate >= RATE_RATIO * othersMedian && rate - othersMedian >= RATE_GAP;
}

function popcountFigures(counts: Uint32Array): DatasetQualityReport['popcount'] {
  let n = 0;
  let sum = 0;
  let min = -1;
  let max = -1;
  for (let p = 0; p < counts.length; p++) {
    const c = counts[p]!;
    if (c === 0) continue;
    if (min < 0) min = p;
    max = p;
    n += c;
    sum += c * p;
  }
  if (n === 0) return { min: 0, max: 0, mean: 0, sd: 0, histogram: [] };
  const mean = sum / n;
  let squares = 0;
  for (let p = min; p <= max; p++) squares += counts[p]! * (p - mean) ** 2;
  const histogram: PopcountBin[] = [];
  for (let p = min; p <= max; p++) histogram.push({ popcount: p, filters: counts[p]! });
  return { min, max, mean, sd: Math.sqrt(squares / n), histogram };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function byCount(counts: Record<string, number>): CountByReason[] {
  return Object.entries(counts)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(1)}%`;
}
