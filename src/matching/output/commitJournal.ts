/**
 * The commit journal behind `AtomicFileSet` (atomicFiles.ts), which explains the protocol. This
 * module holds the parts a reader needs too: the journal's format, who owns a commit, and
 * `settleOutputs`, which finishes — or, when that is impossible, undoes — a commit a crash or
 * failure interrupted, so that whoever looks next sees one whole set of files, old or new.
 *
 * Invariant the whole scheme rests on: while a journal exists, nothing removes the staging
 * folders it names. A staged file that is gone therefore means "already moved into place", and
 * every step below can be repeated, in either direction, from any state a crash leaves.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { CohortlinkError } from '../../errors.js';
import { type FsOps, realFs } from './fsOps.js';

/** The journal, in the set's journal folder (the keys folder, for `link`). */
export const JOURNAL_NAME = '.cohortlink-commit.json';
/** Staging folders, one per folder that receives outputs: `.cohortlink-staging-<owner>`. */
export const STAGING_PREFIX = '.cohortlink-staging-';
/** In each staging folder: the path of the journal that may name it (so a sweep can settle it). */
export const POINTER_NAME = 'journal-path';
const FORMAT = 'cohortlink-commit/1';

export interface JournalEntry {
  /** Where the file belongs (absolute). */
  readonly target: string;
  /** The complete new file, in a staging folder beside the target. */
  readonly staged: string;
  /** Where the old file goes while the new one moves in (same staging folder). */
  readonly backup: string;
}

export interface Journal {
  readonly format: typeof FORMAT;
  readonly owner: string;
  readonly entries: readonly JournalEntry[];
  /** Every staging folder of the commit (absolute), removed once it is settled. */
  readonly staging: readonly string[];
}

export function makeJournal(
  owner: string,
  entries: readonly JournalEntry[],
  staging: readonly string[],
): Journal {
  return { format: FORMAT, owner, entries, staging };
}

// ---- Owners: which process (and thread) a staging folder or journal belongs to ----

/**
 * The process's start instant: the same in every thread of a process, and different for a
 * later process that happens to get the same pid (pid 1 in every container start, say).
 */
const ORIGIN = Math.round(performance.timeOrigin);
/** Commits of this thread in progress (between their first `open` and commit/abort). */
const active = new Set<string>();

/** `<pid>.<process start>.<thread>.<random>`: enough to tell whether the owner still runs. */
export function newOwner(): string {
  return `${process.pid}.${ORIGIN}.${threadId}.${randomBytes(4).toString('hex')}`;
}

export function claim(owner: string): void {
  active.add(owner);
}

export function release(owner: string): void {
  active.delete(owner);
}

/**
 * Whether a commit's owner may still be working on it. Another live process (or another thread
 * of this one) is presumed to be; this thread knows its own; a process that has exited, or an
 * earlier process that had this pid, is not.
 */
export function ownerAlive(owner: string): boolean {
  const [pid, origin, thread] = owner.split('.').map(Number);
  if (!Number.isSafeInteger(pid) || pid! <= 0) return false;
  if (pid === process.pid) {
    if (origin !== ORIGIN) return false;
    return thread === threadId ? active.has(owner) : true;
  }
  try {
    process.kill(pid!, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function busy(dir: string, owner: string): CohortlinkError {
  return new CohortlinkError(
    'CL_OUTPUT_UNWRITABLE',
    `another cohortlink process (pid ${owner.split('.')[0]}) is replacing the outputs in ${dir}; try again when it has finished`,
  );
}

// ---- Reading a journal ----

function readJournal(path: string, fs: FsOps): Journal {
  let j: Partial<Journal> | undefined;
  try {
    j = JSON.parse(fs.readFile(path)) as Partial<Journal>;
  } catch {
    j = undefined;
  }
  const str = (x: unknown): x is string => typeof x === 'string' && x !== '';
  const ok =
    j?.format === FORMAT &&
    str(j.owner) &&
    Array.isArray(j.entries) &&
    j.entries.every((e) => str(e?.target) && str(e?.staged) && str(e?.backup)) &&
    Array.isArray(j.staging) &&
    j.staging.every(str);
  // A journal appears only by rename after its contents were flushed, so it is never torn;
  // anything else in its place was not written by cohortlink, and guessing could lose files.
  if (!ok)
    throw new CohortlinkError(
      'CL_OUTPUT_UNWRITABLE',
      `${path} is not a cohortlink commit journal; move it away and check the files beside it`,
    );
  return j as Journal;
}

// ---- Moving files: forwards (finish) and backwards (undo), both repeatable ----

const exists = (fs: FsOps, path: string): boolean => fs.lstat(path) !== undefined;

/** Why a target cannot take a file: it is a folder (or a device, a socket …), not a file. */
export function unreplaceable(fs: FsOps, target: string): CohortlinkError | undefined {
  const s = fs.lstat(target);
  if (s === undefined || s.isFile() || s.isSymbolicLink()) return undefined;
  return new CohortlinkError(
    'CL_OUTPUT_UNWRITABLE',
    `${target} is ${s.isDirectory() ? 'a folder' : 'not a regular file'}; it cannot be replaced by an output file`,
  );
}

/** Moves every staged file into place (old files to their backups first). */
export function rollForward(j: Journal, fs: FsOps): void {
  for (const e of j.entries) {
    if (!exists(fs, e.staged)) continue; // moved in already
    const problem = unreplaceable(fs, e.target);
    if (problem !== undefined) throw problem;
    if (exists(fs, e.target) && !exists(fs, e.backup)) fs.rename(e.target, e.backup);
    fs.rename(e.staged, e.target);
  }
  syncFolders(j, fs);
}

/** Puts every old file back (and the new ones back into staging), in reverse order. */
export function rollBack(j: Journal, fs: FsOps): void {
  for (let k = j.entries.length - 1; k >= 0; k--) {
    const e = j.entries[k]!;
    // Staged file gone = the target holds the new file (the invariant above).
    if (!exists(fs, e.staged) && exists(fs, e.target)) fs.rename(e.target, e.staged);
    if (exists(fs, e.backup)) fs.rename(e.backup, e.target);
  }
  syncFolders(j, fs);
}

function syncFolders(j: Journal, fs: FsOps): void {
  const dirs = new Set([...j.entries.map((e) => dirname(e.target)), ...j.staging]);
  for (const d of dirs) fs.fsyncDir(d);
}

/** Removes the journal and makes that durable: the end of a commit (or of its undoing). */
export function removeJournal(path: string, fs: FsOps): void {
  if (exists(fs, path)) fs.unlink(path);
  fs.fsyncDir(dirname(path));
}

/** Best effort: a staging folder left behind is removed by the next sweep of its folder. */
export function removeStaging(staging: readonly string[], fs: FsOps): void {
  for (const s of staging)
    try {
      fs.removeTree(s);
    } catch {
      // swept later
    }
}

// ---- Settling: what readers and the next writer do first ----

export type Settled = 'clean' | 'finished' | 'undone';

/**
 * Settles the commit journalled in `dir`, if any: finishes it, or undoes it when a target
 * cannot take its file (a folder now stands there, say). Throws only when a live process owns
 * the commit, or when neither direction can be completed (the journal then stays for next time).
 */
export function settleOutputs(dir: string, fs: FsOps = realFs): Settled {
  const path = join(dir, JOURNAL_NAME);
  if (!exists(fs, path)) return 'clean';
  const j = readJournal(path, fs);
  if (ownerAlive(j.owner)) throw busy(dir, j.owner);
  let outcome: Settled = 'finished';
  try {
    rollForward(j, fs);
  } catch (forward) {
    try {
      rollBack(j, fs);
    } catch (back) {
      throw new CohortlinkError(
        'CL_OUTPUT_UNWRITABLE',
        `an interrupted replacement of the outputs journalled in ${path} can neither be finished nor undone`,
        [],
        { cause: new AggregateError([forward, back]) },
      );
    }
    outcome = 'undone';
  }
  removeJournal(path, fs);
  removeStaging(j.staging, fs);
  return outcome;
}

/**
 * Clears staging folders in `dir` whose owner has gone: settles the journal one of them points
 * to, if that journal is still there and is theirs, and otherwise removes the folder (a commit
 * that never reached its journal, or one already settled). Live owners' folders are left alone.
 */
export function sweepStaging(dir: string, fs: FsOps = realFs): void {
  let names: string[];
  try {
    names = fs.readdir(dir);
  } catch {
    return; // no folder, nothing to sweep (creating the staging folder will report the problem)
  }
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue;
    const owner = name.slice(STAGING_PREFIX.length);
    if (ownerAlive(owner)) continue;
    const staging = join(dir, name);
    const journal = journalOf(staging, fs);
    if (journal !== undefined && exists(fs, journal) && readJournal(journal, fs).owner === owner)
      settleOutputs(dirname(journal), fs);
    else fs.removeTree(staging);
  }
}

function journalOf(staging: string, fs: FsOps): string | undefined {
  try {
    return fs.readFile(join(staging, POINTER_NAME)).trim() || undefined;
  } catch {
    return undefined;
  }
}
