/**
 * Where a run's bulk files live in the data folder. A run owns one folder, `runs/<runId>/`:
 *
 *   links.csv                    left_ref,right_ref,score (multi mode: with dataset columns)
 *   keys/<datasetId>.keys.csv    ref,linkage_key, one per dataset of the run
 *   summary.json                 runSummary (counts, fingerprints, threshold; no refs or keys)
 *   links-floor.csv              one-to-one / many-to-one runs only: the links at the floor,
 *                                as links.csv (the material for feasibility's linkage range)
 *
 * The files are written together by `writeLinkOutputs` (staged, then committed through a journal
 * in `keys/`: matching/output/atomicFiles.ts), and a run's rows in `run_dataset_keys` are
 * inserted only after the commit, so a folder without a succeeded run row is debris from a
 * failure or crash and is removed.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { keyFilePath } from '../../matching/keys/keyFiles.js';
import { DIR_MODE, FILE_MODE } from '../../store/files.js';

export interface RunOutputPaths {
  readonly dir: string;
  readonly links: string;
  readonly keysDir: string;
  readonly summary: string;
  /** The links at the floor (one-to-one and many-to-one runs; absent for older runs). */
  readonly linksFloor: string;
}

/**
 * The data-folder layout the run manager needs. `datasetEncodings` is the foundation's
 * (uploads decide where encodings go); the run folders are this module's.
 */
export interface RunFileLayout {
  datasetEncodings(datasetId: string): string;
  runsRoot(): string;
}

/** The layout of design doc §Modules (`<data>/datasets/<id>.ndjson`, `<data>/runs/<id>/`). */
export function defaultLayout(dataDir: string): RunFileLayout {
  return {
    datasetEncodings: (id) => join(dataDir, 'datasets', `${id}.ndjson`),
    runsRoot: () => join(dataDir, 'runs'),
  };
}

export class RunFiles {
  constructor(readonly layout: RunFileLayout) {}

  paths(runId: string): RunOutputPaths {
    const dir = join(this.layout.runsRoot(), runId);
    return {
      dir,
      links: join(dir, 'links.csv'),
      keysDir: join(dir, 'keys'),
      summary: join(dir, 'summary.json'),
      linksFloor: join(dir, 'links-floor.csv'),
    };
  }

  keysFile(runId: string, datasetId: string): string {
    return keyFilePath(this.paths(runId).keysDir, datasetId);
  }

  encodings(datasetId: string): string {
    return this.layout.datasetEncodings(datasetId);
  }

  encodingsBytes(datasetId: string): number {
    try {
      return statSync(this.encodings(datasetId)).size;
    } catch {
      return 0;
    }
  }

  /** A fresh, empty folder for an attempt (a retry starts from nothing). */
  prepare(runId: string): RunOutputPaths {
    const p = this.paths(runId);
    rmSync(p.dir, { recursive: true, force: true });
    mkdirSync(p.keysDir, { recursive: true, mode: DIR_MODE });
    return p;
  }

  /**
   * Makes the run's folder and everything in it 0700 / 0600, whatever wrote them (the output
   * writer sets those modes itself; this keeps the promise for any file it may add). Symbolic
   * links are left alone; an entry that vanished meanwhile is skipped.
   */
  makePrivate(runId: string): void {
    const chmod = (path: string, mode: number): void => {
      try {
        chmodSync(path, mode);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    };
    const walk = (dir: string): void => {
      chmod(dir, DIR_MODE);
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory()) walk(path);
        else if (e.isFile()) chmod(path, FILE_MODE);
      }
    };
    const dir = this.paths(runId).dir;
    if (existsSync(dir)) walk(dir);
  }

  remove(runId: string): void {
    rmSync(this.paths(runId).dir, { recursive: true, force: true });
  }

  /** Run folders on disk whose run is not in `keep` (start-up cleanup of crash debris). */
  orphans(keep: ReadonlySet<string>): string[] {
    const root = this.layout.runsRoot();
    if (!existsSync(root)) return [];
    return readdirSync(root).filter((name) => !keep.has(name));
  }
}
