/**
 * Reads a links CSV written by `cohortlink link` (left_ref,right_ref,score) back into arrays,
 * with refs numbered in order of first appearance on each side, for evaluation.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CohortlinkError, type Issue } from '../errors.js';

export interface LinksFile {
  readonly leftRefs: string[];
  readonly rightRefs: string[];
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  readonly score: Float64Array;
  readonly length: number;
}

const MAX_ISSUES = 20;

export function readLinksFile(path: string): LinksFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read links ${path}`, [], { cause: err });
  }
  let rows: string[][];
  try {
    rows = parse(text, { skipEmptyLines: true }) as string[][];
  } catch (err) {
    throw new CohortlinkError('CL_CSV_MALFORMED', `${path} is not valid CSV: ${(err as Error).message}`);
  }
  const header = rows[0]?.join(',');
  if (header !== 'left_ref,right_ref,score')
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `${path} must start with the header left_ref,right_ref,score (a two-dataset links file from cohortlink link)`,
    );
  const n = rows.length - 1;
  const left = new Uint32Array(n);
  const right = new Uint32Array(n);
  const score = new Float64Array(n);
  const leftAt = new Map<string, number>();
  const rightAt = new Map<string, number>();
  const issues: Issue[] = [];
  for (let k = 0; k < n; k++) {
    const row = rows[k + 1]!;
    const s = Number(row[2]);
    if (row.length !== 3 || row[0] === '' || row[1] === '' || !(s >= 0 && s <= 1)) {
      if (issues.length < MAX_ISSUES)
        issues.push({
          path: `${path} row ${k + 2}`,
          message: 'expected left_ref,right_ref,score with a score from 0 to 1',
        });
      continue;
    }
    left[k] = numberOf(leftAt, row[0]!);
    right[k] = numberOf(rightAt, row[1]!);
    score[k] = s;
  }
  if (issues.length > 0) throw new CohortlinkError('CL_CSV_MALFORMED', `${path} has malformed rows`, issues);
  return { leftRefs: [...leftAt.keys()], rightRefs: [...rightAt.keys()], left, right, score, length: n };
}

function numberOf(at: Map<string, number>, ref: string): number {
  let i = at.get(ref);
  if (i === undefined) {
    i = at.size;
    at.set(ref, i);
  }
  return i;
}
