/**
 * The encoder's data-quality summary: for every field, how many values were present, missing
 * or invalid (with the reason code), and for every row whether it was encoded complete, encoded
 * with missing fields, or rejected. Counts only — never values. Summaries from worker chunks
 * merge by addition, so the total accounts for every input row whatever the parallelism.
 */

export interface FieldQuality {
  present: number;
  missing: number;
  invalid: number;
  invalidReasons: Record<string, number>;
}

export interface RowRejection {
  /** 1-based data row number (the header is row 0). */
  readonly row: number;
  readonly reason: string;
}

export interface QualitySummary {
  rows: number;
  encoded: number;
  encodedWithMissing: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  fields: Record<string, FieldQuality>;
  popcount: { min: number; max: number; sum: number; sumSquares: number };
}

export function emptySummary(columns: readonly string[]): QualitySummary {
  const fields: Record<string, FieldQuality> = {};
  for (const c of columns) fields[c] = { present: 0, missing: 0, invalid: 0, invalidReasons: {} };
  return {
    rows: 0,
    encoded: 0,
    encodedWithMissing: 0,
    rejected: 0,
    rejectReasons: {},
    fields,
    popcount: { min: Number.POSITIVE_INFINITY, max: 0, sum: 0, sumSquares: 0 },
  };
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

export function mergeSummary(into: QualitySummary, from: QualitySummary): void {
  into.rows += from.rows;
  into.encoded += from.encoded;
  into.encodedWithMissing += from.encodedWithMissing;
  into.rejected += from.rejected;
  addCounts(into.rejectReasons, from.rejectReasons);
  for (const [col, q] of Object.entries(from.fields)) {
    into.fields[col] ??= { present: 0, missing: 0, invalid: 0, invalidReasons: {} };
    const t = into.fields[col];
    t.present += q.present;
    t.missing += q.missing;
    t.invalid += q.invalid;
    addCounts(t.invalidReasons, q.invalidReasons);
  }
  into.popcount.min = Math.min(into.popcount.min, from.popcount.min);
  into.popcount.max = Math.max(into.popcount.max, from.popcount.max);
  into.popcount.sum += from.popcount.sum;
  into.popcount.sumSquares += from.popcount.sumSquares;
}

/** JSON has no Infinity: an empty summary reports min 0. */
export function finalisePopcount(s: QualitySummary): { min: number; max: number; mean: number; sd: number } {
  const n = s.encoded;
  if (n === 0) return { min: 0, max: 0, mean: 0, sd: 0 };
  const mean = s.popcount.sum / n;
  const variance = Math.max(0, s.popcount.sumSquares / n - mean * mean);
  return { min: s.popcount.min, max: s.popcount.max, mean, sd: Math.sqrt(variance) };
}
