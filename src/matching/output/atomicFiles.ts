/**
 * A set of output files that replaces the previous set all at once or not at all — also across
 * a crash, a power cut or a failure half-way (issue 14: renaming files one by one without fsync
 * could leave a new links.csv beside old keys files). Outputs may sit in several folders (links
 * beside `--output`, keys in `--keys-dir`), so no single rename can switch them; instead the set
 * is committed through a journal written last, redo-style, with backups for undo:
 *
 *  1. Stage. In each folder that receives an output, a fresh staging folder
 *     `.cohortlink-staging-<owner>/` (owner = pid, process start, thread) holding a pointer to the
 *     journal's path. Every file is written there, then fsynced. Nothing visible has changed.
 *  2. Check. Each target must be absent, a file or a symlink: a folder standing where an output
 *     goes is refused now, before anything moves.
 *  3. Journal. The list of (target, staged, backup) is written into the journal folder's
 *     staging folder, fsynced, every staging folder is fsynced, and the list is renamed to
 *     `.cohortlink-commit.json` in the journal folder (the keys folder, for `link`), which is
 *     fsynced. Once that rename is durable the new set is committed.
 *  4. Move. For each entry: the old target (if any) is renamed to its backup in staging, the
 *     staged file to the target; then every folder involved is fsynced.
 *  5. Finish. The journal is removed (the new set is final), then the staging folders with the
 *     backups (best effort; leftovers are swept).
 *
 * A failure in this process before step 3 removes the staging folders: the old set never moved.
 * A failure in step 3–5 moves the old files back (`rollBack`) and removes the journal. A crash
 * leaves either staging folders without a journal (swept: old set) or a journal, which the next
 * writer of any of these folders, or the next reader of the journal folder (keyFiles.ts), settles
 * with `settleOutputs`: it finishes the moves (new set) or, if a target cannot take its file,
 * undoes them (old set). Every move can be repeated from any state a crash leaves, because
 * staged files are removed only with the journal gone (commitJournal.ts).
 *
 * One writer per folder at a time: a commit whose owner is still running is never touched, and
 * a second writer or reader meeting one is refused with CL_OUTPUT_UNWRITABLE rather than racing it.
 */
import { basename, dirname, join, resolve } from 'node:path';
import { CohortlinkError } from '../../errors.js';
import {
  claim,
  JOURNAL_NAME,
  type Journal,
  type JournalEntry,
  makeJournal,
  newOwner,
  POINTER_NAME,
  release,
  removeJournal,
  removeStaging,
  rollBack,
  rollForward,
  STAGING_PREFIX,
  settleOutputs,
  sweepStaging,
  unreplaceable,
} from './commitJournal.js';
import { type FsOps, realFs } from './fsOps.js';

const FLUSH_AT = 1 << 20;

export class OutputFile {
  private fd: number;
  private pending: string[] = [];
  private pendingLength = 0;

  constructor(
    readonly target: string,
    /** Where the file is written until the set is committed. */
    readonly staged: string,
    private readonly fs: FsOps = realFs,
  ) {
    try {
      this.fd = fs.open(staged, 'wx', 0o600);
    } catch (err) {
      throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot write ${target}`, [], { cause: err });
    }
  }

  /** Appends text; buffered and written in ~1 MiB pieces. */
  write(text: string): void {
    this.pending.push(text);
    this.pendingLength += text.length;
    if (this.pendingLength >= FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    try {
      this.fs.write(this.fd, this.pending.join(''));
    } catch (err) {
      throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot write ${this.target}`, [], { cause: err });
    }
    this.pending = [];
    this.pendingLength = 0;
  }

  /** Writes what is buffered and makes it durable (fsync), then closes the file. */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    try {
      this.flush();
      this.fs.fsync(fd);
    } catch (err) {
      throw err instanceof CohortlinkError
        ? err
        : new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot write ${this.target}`, [], { cause: err });
    } finally {
      this.fd = -1;
      this.fs.close(fd);
    }
  }

  /** Closes without flushing (an abandoned set); never throws. */
  discard(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    this.pending = [];
    try {
      this.fs.close(fd);
    } catch {
      // closing a broken file must not hide the error that caused the abort
    }
  }
}

export interface AtomicFileSetOptions {
  /**
   * The folder that holds the commit journal, which readers of the set settle before reading
   * (`settleOutputs`): the keys folder for `link`. Default: the folder of the first file opened.
   */
  readonly journalDir?: string;
  /** File-system operations (tests inject a failure at each step); default the real ones. */
  readonly fs?: FsOps;
}

export class AtomicFileSet {
  private readonly files: OutputFile[] = [];
  private readonly fs: FsOps;
  private readonly owner = newOwner();
  private journalDir: string | undefined;
  /** Folder receiving outputs → its staging folder. */
  private readonly staging = new Map<string, string>();
  private done = false;

  constructor(options: AtomicFileSetOptions = {}) {
    this.fs = options.fs ?? realFs;
    if (options.journalDir !== undefined) this.journalDir = resolve(options.journalDir);
  }

  open(target: string): OutputFile {
    if (this.done)
      throw new CohortlinkError('CL_INTERNAL', 'this output set was already committed or aborted');
    const abs = resolve(target);
    if (this.files.some((f) => resolve(f.target) === abs))
      throw new CohortlinkError('CL_USAGE', `two outputs would be written to ${target}`);
    try {
      if (this.staging.size === 0) {
        claim(this.owner);
        this.journalDir ??= dirname(abs);
        // An interrupted earlier commit is settled first: its files are the "old" set.
        settleOutputs(this.journalDir, this.fs);
        this.stagingFor(this.journalDir);
      }
      const dir = this.stagingFor(dirname(abs));
      const file = new OutputFile(
        target,
        join(dir, `${this.files.length}.${basename(abs)}.partial`),
        this.fs,
      );
      this.files.push(file);
      return file;
    } catch (err) {
      throw asOutputError(err, `cannot write ${target}`);
    }
  }

  /** Replaces the previous set with this one, atomically (see the module comment). */
  commit(): void {
    if (this.done)
      throw new CohortlinkError('CL_INTERNAL', 'this output set was already committed or aborted');
    if (this.files.length === 0) {
      this.finish();
      return;
    }
    const fs = this.fs;
    const journalDir = this.journalDir!;
    const journalPath = join(journalDir, JOURNAL_NAME);
    const entries: JournalEntry[] = this.files.map((f) => ({
      target: resolve(f.target),
      staged: f.staged,
      backup: f.staged.replace(/\.partial$/, '.old'),
    }));
    const staging = [...this.staging.values()];
    const journal = makeJournal(this.owner, entries, staging);
    let journalled = false;
    try {
      // 1–2: every file complete and durable; every target able to take its file.
      for (const f of this.files) f.close();
      for (const e of entries) {
        const problem = unreplaceable(fs, e.target);
        if (problem !== undefined) throw problem;
      }
      // 3: the journal, renamed into place only once it and every staged file are durable.
      const temp = join(this.stagingFor(journalDir), 'journal.json');
      const fd = fs.open(temp, 'wx', 0o600);
      try {
        fs.write(fd, `${JSON.stringify(journal, null, 2)}\n`);
        fs.fsync(fd);
      } finally {
        fs.close(fd);
      }
      for (const s of staging) fs.fsyncDir(s);
      fs.rename(temp, journalPath);
      journalled = true;
      fs.fsyncDir(journalDir);
      // 4–5: move, then drop the journal: from here on the new set is final.
      rollForward(journal, fs);
      fs.unlink(journalPath);
    } catch (err) {
      let kept = true;
      if (journalled) kept = this.undo(journalPath, journal);
      else this.abort();
      this.finish();
      throw asOutputError(
        err,
        kept
          ? 'cannot move the outputs into place; the previous outputs are unchanged'
          : `cannot move the outputs into place; the next run, or read of ${journalDir}, finishes or undoes the replacement`,
      );
    }
    try {
      fs.fsyncDir(journalDir);
    } catch {
      // the journal is gone either way; if its removal is lost, settling it again is a no-op
    }
    removeStaging(staging, fs);
    this.finish();
  }

  /** Abandons the set before its journal: closes and removes the staged files. Never throws. */
  abort(): void {
    if (this.done) return;
    for (const f of this.files) f.discard();
    removeStaging([...this.staging.values()], this.fs);
    this.finish();
  }

  /**
   * After a failure past the journal: old files back, journal gone (true). If even that fails
   * the journal stays (false), and the next writer or reader of its folder settles it.
   */
  private undo(journalPath: string, journal: Journal): boolean {
    try {
      rollBack(journal, this.fs);
      removeJournal(journalPath, this.fs);
    } catch {
      return false;
    }
    removeStaging(journal.staging, this.fs);
    return true;
  }

  private finish(): void {
    this.done = true;
    release(this.owner);
  }

  /** The staging folder in `dir`, made (after sweeping leftovers there) on first use. */
  private stagingFor(dir: string): string {
    const known = this.staging.get(dir);
    if (known !== undefined) return known;
    sweepStaging(dir, this.fs);
    const s = join(dir, `${STAGING_PREFIX}${this.owner}`);
    this.fs.mkdir(s);
    this.staging.set(dir, s);
    // Which journal may name this folder: a sweep of `dir` settles that journal, never deletes
    // files it still needs.
    const fd = this.fs.open(join(s, POINTER_NAME), 'wx', 0o600);
    try {
      this.fs.write(fd, `${join(this.journalDir!, JOURNAL_NAME)}\n`);
      this.fs.fsync(fd);
    } finally {
      this.fs.close(fd);
    }
    return s;
  }
}

function asOutputError(err: unknown, message: string): CohortlinkError {
  return err instanceof CohortlinkError
    ? err
    : new CohortlinkError('CL_OUTPUT_UNWRITABLE', message, [], { cause: err });
}

/** A CSV field: quoted only when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
