/**
 * The data folder beside the database (`<db>.files/`): bulk files that SQLite rows refer to.
 * A file appears under its final name only by rename from `tmp/`, so a reader never sees half a
 * file; whatever is left in `tmp/` at start-up belongs to an upload that never committed, and a
 * file in `datasets/` without a dataset row belongs to one whose transaction did not commit.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from './clock.js';

/**
 * Modes of everything the service writes under its data folder, given explicitly at creation
 * so they do not depend on the process umask: files 0600, folders 0700 (the folder holds
 * encodings, refs and linkage keys, to be protected like identifiable data). `serve` refuses a
 * data folder others can read or write (src/store/permissions.ts).
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** `mkdir -p` with every folder it creates 0700 (umask can only narrow that). */
export function mkdirPrivate(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
}

export class DataFiles {
  readonly tmpDir: string;
  readonly datasetsDir: string;

  constructor(readonly root: string) {
    this.tmpDir = join(root, 'tmp');
    this.datasetsDir = join(root, 'datasets');
  }

  /** The folder for a database file; `:memory:` databases need an explicit root. */
  static besideDatabase(dbPath: string): DataFiles {
    return new DataFiles(`${dbPath}.files`);
  }

  /** Creates the folders and removes temp files left by a previous process; returns how many. */
  init(): number {
    mkdirPrivate(this.tmpDir);
    mkdirPrivate(this.datasetsDir);
    const orphans = readdirSync(this.tmpDir);
    for (const name of orphans) rmSync(join(this.tmpDir, name), { force: true, recursive: true });
    return orphans.length;
  }

  /**
   * Removes dataset files no row refers to (`keep`: the dataset ids in the database): an upload
   * whose transaction failed or was cut by a crash after the rename leaves its file under its
   * final name. Returns how many went.
   */
  sweepDatasets(keep: ReadonlySet<string>): number {
    let removed = 0;
    for (const name of readdirSync(this.datasetsDir)) {
      const id = name.endsWith('.ndjson') ? name.slice(0, -'.ndjson'.length) : undefined;
      if (id !== undefined && keep.has(id)) continue;
      rmSync(join(this.datasetsDir, name), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  tempPath(): string {
    return join(this.tmpDir, `${newId()}.part`);
  }

  datasetPath(datasetId: string): string {
    return join(this.datasetsDir, `${datasetId}.ndjson`);
  }

  /** Moves a finished temp file to its final name; the file's data must already be flushed. */
  commit(tempPath: string, finalPath: string): void {
    renameSync(tempPath, finalPath);
    // The rename itself is durable only once the directory entry is flushed.
    const dir = openSync(this.datasetsDir, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  remove(path: string): void {
    rmSync(path, { force: true });
  }

  /** Temp files present now (tests check that failed uploads leave none). */
  temps(): string[] {
    return readdirSync(this.tmpDir);
  }
}
