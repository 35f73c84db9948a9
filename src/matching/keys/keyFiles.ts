/**
 * The CLI's memory of linkage keys: the `<dataset>.keys.csv` files a run writes (ref,linkage_key)
 * are read back by the next run over the same keys directory, so re-runs and later links keep
 * people's keys. The files are written atomically with the rest of a run's outputs, through a
 * commit journal in the keys folder (output/atomicFiles.ts), so they always hold one complete
 * run's keys: a reader first settles a commit that a crash interrupted (finishing it, or undoing
 * it), and never reads a mix of two runs' files. (An SQLite registry was measured at ~10 s per million
 * keys saved; reading and writing these files costs about a second.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { CohortlinkError } from '../../errors.js';
import type { KeySource } from '../link/runLink.js';
import { settleOutputs } from '../output/commitJournal.js';

const KEY_PATTERN = /^lk_[0-9a-hjkmnp-tv-z]{26}$/;

export function keyFilePath(keysDir: string, dataset: string): string {
  return join(keysDir, `${dataset}.keys.csv`);
}

/** ref → key from a keys file; an absent file is an empty map. */
export function readKeyFile(path: string): Map<string, string> {
  const held = new Map<string, string>();
  eachKeyRow(path, (ref, key) => held.set(ref, key));
  return held;
}

/** Each (ref, key) row of a keys file in file order, for callers that keep no map; an absent file has none. */
export function eachKeyRow(path: string, visit: (ref: string, key: string) => void): void {
  // One stat when no commit was interrupted.
  settleOutputs(dirname(path));
  if (!existsSync(path)) return;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read linkage keys ${path}`, [], { cause: err });
  }
  const lines = text.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== 'ref,linkage_key')
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `${path} is not a linkage-key file (header must be ref,linkage_key)`,
    );
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (line === '') continue;
    let ref: string;
    let key: string;
    if (line.includes('"')) {
      const row = (parse(line) as string[][])[0] ?? [];
      if (row.length !== 2) throw badLine(path, n + 1);
      [ref, key] = row as [string, string];
    } else {
      const comma = line.lastIndexOf(',');
      if (comma <= 0) throw badLine(path, n + 1);
      ref = line.slice(0, comma);
      key = line.slice(comma + 1);
    }
    if (!KEY_PATTERN.test(key)) throw badLine(path, n + 1);
    visit(ref, key);
  }
}

function badLine(path: string, line: number): CohortlinkError {
  return new CohortlinkError('CL_CSV_MALFORMED', `${path} line ${line} is not "ref,linkage_key"`, [
    { path: `line ${line}`, message: 'expected ref,linkage_key' },
  ]);
}

/** Existing keys of a run's datasets, from the keys files in `keysDir`. */
export function keyFileSource(keysDir: string): KeySource {
  return {
    existingKeys(dataset, refs) {
      const held = readKeyFile(keyFilePath(keysDir, dataset));
      return refs.map((r) => held.get(r));
    },
  };
}
