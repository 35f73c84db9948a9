/**
 * `cohortlink report run <runId> --db <file>`: a service run's linkage-quality report read by an
 * operator straight from the service's database and data folder, without HTTP. It is the same
 * model the reviewer routes answer with: the cached one when the service already built it, else
 * built here from the same sources (reportSources.ts) — and, like every report read, it is
 * recorded in the audit trail, as the service itself (`organisation: null`) with `via: "cli"`.
 * Nothing is written to the data folder: a second process must not race the service's own
 * temp-file sweeps.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CohortlinkError } from '../../errors.js';
import type { LinkageReport } from '../../reports/linkageReport.js';
import { appendAudit } from '../../store/audit.js';
import { isUpToDate, openDatabase } from '../../store/db.js';
import { DataFiles } from '../../store/files.js';
import { runRepo } from '../runs/runRepo.js';
import { cacheFile } from './reportCache.js';
import { buildReport } from './reportJobs.js';
import { runPaths, runReportSource } from './reportSources.js';

export async function runReportFromStore(
  dbPath: string,
  runId: string,
  format: 'json' | 'html' | 'json+html',
): Promise<LinkageReport> {
  // openDatabase would create a missing file; an operator's typo must not leave an empty database.
  if (!existsSync(dbPath)) throw new CohortlinkError('CL_FILE_UNREADABLE', `no database ${dbPath}`);
  const db = openDatabase(dbPath, { migrate: false });
  try {
    if (!isUpToDate(db))
      throw new CohortlinkError(
        'CL_STORE_CORRUPT',
        `${dbPath} is not at this build's schema version; start the service once to migrate it`,
      );
    const run = runRepo(db).get(runId);
    if (run === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no run ${runId} in ${dbPath}`);
    if (run.state !== 'succeeded' || run.summary_json === null)
      throw new CohortlinkError(
        'CL_CONFLICT',
        `run ${runId} is ${run.state}: its report exists once it has succeeded`,
      );
    const files = DataFiles.besideDatabase(dbPath);
    const source = runReportSource(db, files, run, existsSync(runPaths(files, run.id).linksFloor));
    const json =
      (await readFile(cacheFile(source.cache), 'utf8').catch(() => undefined)) ??
      (await buildReport(source.job));
    db.transaction(() =>
      appendAudit(db, {
        action: 'report.run.read',
        projectId: run.project_id,
        target: run.id,
        detail: { format, via: 'cli' },
      }),
    )();
    return JSON.parse(json) as LinkageReport;
  } finally {
    db.close();
  }
}
