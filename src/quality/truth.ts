/**
 * Ground-truth readers. Two layouts:
 *  - long, as `cohortlink generate` writes truth.csv: `person_id,dataset,ref`, one row per
 *    record; the true pairs between two datasets are every (left ref, right ref) of one person;
 *  - pairs: `left_ref,right_ref`, one true pair per row.
 * Plus truthByKey for benchmark data whose refs encode the person (FEBRL `rec-7-org`/`rec-7-dup-0`).
 * Problems name the file and the 1-based data row (the header is row 0) and never echo values.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { CohortlinkError, type Issue } from '../errors.js';

/** True pairs as two parallel arrays of record references. */
export interface TruthPairs {
  readonly left: readonly string[];
  readonly right: readonly string[];
}

const MAX_ISSUES = 20;
const ref = z.string().min(1, 'is empty').max(256, 'is longer than 256 characters');
const longRow = z.object({ person_id: ref, dataset: ref, ref });
const pairRow = z.object({ left_ref: ref, right_ref: ref });

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot read truth file '${path}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/** Parses CSV text into rows validated by `row`, listing up to MAX_ISSUES bad rows together. */
function parseRows<T>(text: string, source: string, columns: readonly string[], row: z.ZodType<T>): T[] {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new CohortlinkError('CL_CSV_MALFORMED', `truth file '${source}' is not valid CSV`, [
      {
        path: `${source}${line !== undefined ? ` line ${line}` : ''}`,
        message: 'the CSV structure is broken here',
      },
    ]);
  }
  const header = records[0] ?? [];
  const at = columns.map((c) => header.indexOf(c));
  const missing = columns.filter((_, i) => at[i]! < 0);
  if (missing.length > 0)
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `truth file '${source}' lacks column(s) ${missing.join(', ')} (expected ${columns.join(',')})`,
      missing.map((c) => ({ path: `${source} header.${c}`, message: 'not found' })),
    );
  const out: T[] = [];
  const issues: Issue[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.length !== header.length) {
      if (issues.length < MAX_ISSUES)
        issues.push({
          path: `${source} row ${r}`,
          message: `has ${rec.length} fields, the header has ${header.length}`,
        });
      continue;
    }
    const obj: Record<string, string> = {};
    columns.forEach((c, i) => {
      obj[c] = rec[at[i]!]!;
    });
    const p = row.safeParse(obj);
    if (p.success) out.push(p.data);
    else if (issues.length < MAX_ISSUES)
      issues.push(
        ...p.error.issues.map((i) => ({
          path: `${source} row ${r} column ${String(i.path[0])}`,
          message: i.message,
        })),
      );
  }
  if (issues.length > 0)
    throw new CohortlinkError(
      'CL_CSV_MALFORMED',
      `truth file '${source}' has bad rows`,
      issues.slice(0, MAX_ISSUES),
    );
  return out;
}

/** Long-format truth text: all pairs of one person's refs in `leftDataset` × `rightDataset`. */
export function parseTruthLong(
  text: string,
  source: string,
  leftDataset: string,
  rightDataset: string,
): TruthPairs {
  const rows = parseRows(text, source, ['person_id', 'dataset', 'ref'], longRow);
  const byPerson = new Map<string, { left: string[]; right: string[] }>();
  for (const r of rows) {
    if (r.dataset !== leftDataset && r.dataset !== rightDataset) continue;
    let p = byPerson.get(r.person_id);
    if (p === undefined) {
      p = { left: [], right: [] };
      byPerson.set(r.person_id, p);
    }
    // A dataset linked with itself (dedup) contributes each ref to both sides.
    if (r.dataset === leftDataset) p.left.push(r.ref);
    if (r.dataset === rightDataset) p.right.push(r.ref);
  }
  const left: string[] = [];
  const right: string[] = [];
  for (const p of byPerson.values())
    for (const l of p.left)
      for (const rr of p.right) {
        if (leftDataset === rightDataset && l === rr) continue;
        left.push(l);
        right.push(rr);
      }
  return { left, right };
}

export function parseTruthPairs(text: string, source: string): TruthPairs {
  const rows = parseRows(text, source, ['left_ref', 'right_ref'], pairRow);
  return { left: rows.map((r) => r.left_ref), right: rows.map((r) => r.right_ref) };
}

export function readTruthLong(path: string, leftDataset: string, rightDataset: string): TruthPairs {
  return parseTruthLong(readText(path), path, leftDataset, rightDataset);
}

export function readTruthPairs(path: string): TruthPairs {
  return parseTruthPairs(readText(path), path);
}

/** Pairs whose refs map to the same person key (refs mapping to undefined have no pair). */
export function truthByKey(
  leftRefs: readonly string[],
  rightRefs: readonly string[],
  keyOf: (ref: string) => string | undefined,
): TruthPairs {
  const rightByKey = new Map<string, string[]>();
  for (const r of rightRefs) {
    const k = keyOf(r);
    if (k === undefined) continue;
    const list = rightByKey.get(k);
    if (list) list.push(r);
    else rightByKey.set(k, [r]);
  }
  const left: string[] = [];
  const right: string[] = [];
  for (const l of leftRefs) {
    const k = keyOf(l);
    for (const r of (k !== undefined && rightByKey.get(k)) || []) {
      left.push(l);
      right.push(r);
    }
  }
  return { left, right };
}
