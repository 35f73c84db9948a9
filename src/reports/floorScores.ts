/**
 * Reads the links-at-the-floor file (`cohortlink link --scores`) for a report. Only the score
 * column is kept: references are dropped as each row is read, so no record reference can reach
 * the report model however it is later serialised.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { CohortlinkError, type Issue } from '../errors.js';

/** Two-dataset runs write the first header; `--mode multi` names the datasets on each row. */
const HEADERS = ['left_ref,right_ref,score', 'left_dataset,left_ref,right_dataset,right_ref,score'];
const MAX_ISSUES = 20;

/** Scores of every link made at the floor, ascending. */
export function readFloorScores(path: string): Float64Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read the floor links ${path}`, [], {
      cause: err,
    });
  }
  return parseFloorScores(text, path);
}

export function parseFloorScores(text: string, source: string): Float64Array {
  let rows: string[][];
  try {
    rows = parse(text, { skipEmptyLines: true }) as string[][];
  } catch (err) {
    // csv-parse's message quotes the offending field, which may be a reference: give the line only.
    const line = (err as { lines?: number }).lines;
    throw new CohortlinkError(
      'CL_CSV_MALFORMED',
      `${source} is not valid CSV${line !== undefined ? ` (near line ${line})` : ''}`,
    );
  }
  const header = rows[0]?.join(',') ?? '';
  if (!HEADERS.includes(header))
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `${source} must start with the header ${HEADERS.join(' or ')} (a --scores file from cohortlink link)`,
    );
  const width = rows[0]!.length;
  const scores = new Float64Array(rows.length - 1);
  const issues: Issue[] = [];
  for (let k = 1; k < rows.length; k++) {
    const row = rows[k]!;
    const s = row.length === width && row[width - 1] !== '' ? Number(row[width - 1]) : Number.NaN;
    // Row numbers only: the message must not quote a reference.
    if (!(s >= 0 && s <= 1)) {
      if (issues.length < MAX_ISSUES)
        issues.push({
          path: `${source} row ${k + 1}`,
          message: `expected ${width} columns ending in a score from 0 to 1`,
        });
      continue;
    }
    scores[k - 1] = s;
  }
  if (issues.length > 0)
    throw new CohortlinkError('CL_CSV_MALFORMED', `${source} has malformed rows`, issues);
  return scores.sort();
}
