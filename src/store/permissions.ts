/**
 * The service's data (encodings, refs, linkage keys, invitation lists) must be protected like
 * identifiable data, so `serve` refuses to start when other users can reach it: the data
 * folder (`<db>.files/`) or the database file (and its -wal, -shm) readable or writable by
 * group or others, or the folder holding them writable by others (they could swap the data
 * folder for their own), unless that folder is sticky like /tmp. `--allow-shared-data-dir`
 * starts anyway, with a warning. Everything the service creates is 0600 / 0700 (files.ts).
 * POSIX modes only: ACLs are not read.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CohortlinkError } from '../errors.js';

export interface Exposure {
  readonly path: string;
  /** Permission bits, e.g. 0o755. */
  readonly mode: number;
  /** Who may do what, e.g. "group and others can read". */
  readonly problem: string;
}

const GROUP_OTHERS_RW = 0o066;
const GROUP_OTHERS_W = 0o022;
const STICKY = 0o1000;

/** What of the database and its data folder others can reach; [] when private (absent = private). */
export function dataFolderExposure(dbPath: string, dataRoot: string): Exposure[] {
  const out: Exposure[] = [];
  const check = (path: string, mask: number, unless = 0): void => {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o7777;
    } catch {
      return;
    }
    if ((mode & mask) !== 0 && (mode & unless) === 0) out.push({ path, mode, problem: openTo(mode & mask) });
  };
  check(dataRoot, GROUP_OTHERS_RW);
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) check(f, GROUP_OTHERS_RW);
  check(dirname(resolve(dbPath)), GROUP_OTHERS_W, STICKY);
  return out;
}

/** "group can read, others can read and write" for the group/other bits of `bits`. */
function openTo(bits: number): string {
  const who = (shift: number, name: string): string | undefined => {
    const can = [(bits >> shift) & 4 ? 'read' : '', (bits >> shift) & 2 ? 'write' : ''].filter(Boolean);
    return can.length === 0 ? undefined : `${name} can ${can.join(' and ')}`;
  };
  return [who(3, 'group'), who(0, 'others')].filter(Boolean).join(', ');
}

export const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;

/** One line per exposed path, for the refusal and for the warning. */
export function describeExposure(e: readonly Exposure[]): string {
  return e.map((x) => `${x.path} (mode ${octal(x.mode)}: ${x.problem})`).join('; ');
}

/** The refusal: which paths, why it matters, and how to fix it. */
export function sharedDataDirError(
  dbPath: string,
  dataRoot: string,
  e: readonly Exposure[],
): CohortlinkError {
  return new CohortlinkError(
    'CL_DATA_DIR_SHARED',
    `refusing to start: other users can reach the service's data: ${describeExposure(e)}. ` +
      'It holds encodings, refs and linkage keys, to be protected like identifiable data. ' +
      `Fix: chmod -R go-rwx '${dataRoot}' '${dbPath}'* (and keep the database in a folder only ` +
      'this account can write), or pass --allow-shared-data-dir to start anyway',
    e.map((x) => ({ path: x.path, message: `mode ${octal(x.mode)}: ${x.problem}` })),
  );
}
