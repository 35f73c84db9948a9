/**
 * Starts the whole service on one database: open and migrate it, prepare the data folder
 * (removing temp files of uploads a previous process never finished, and dataset files and
 * invitation lists whose row never committed), build the app, listen.
 * `cohortlink serve` and `npm start` call this; extra route groups (the run manager's) come in
 * through `routes`.
 */
import type { FastifyInstance } from 'fastify';
import { type Db, openDatabase } from '../store/db.js';
import { DataFiles } from '../store/files.js';
import { dataFolderExposure, describeExposure, sharedDataDirError } from '../store/permissions.js';
import { allDatasetIds } from '../store/repos/datasets.js';
import { type AppDeps, buildApp } from './app.js';
import { sweepInvitationLists } from './cohort/invitationSweep.js';
import type { ServiceContext } from './context.js';

export interface StartOptions extends Omit<AppDeps, 'db' | 'files'> {
  readonly dbPath: string;
  readonly port: number;
  readonly host: string;
  /**
   * Start even when other users can read or write the data folder or database (`serve
   * --allow-shared-data-dir`); the service then warns (`warnings`, and the log) instead.
   */
  readonly allowSharedDataDir?: boolean;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  readonly db: Db;
  readonly address: string;
  /** Problems the operator must see whatever the log level (a shared data folder). */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

export async function startService(o: StartOptions): Promise<RunningService> {
  const files = DataFiles.besideDatabase(o.dbPath);
  // Checked before the database is opened (which would create files in a shared folder).
  const exposure = o.dbPath === ':memory:' ? [] : dataFolderExposure(o.dbPath, files.root);
  if (exposure.length > 0 && !o.allowSharedDataDir) throw sharedDataDirError(o.dbPath, files.root, exposure);
  const warnings =
    exposure.length === 0
      ? []
      : [
          `other users can reach the service's data: ${describeExposure(exposure)}; started anyway ` +
            'because of --allow-shared-data-dir. It holds encodings, refs and linkage keys: restrict it ' +
            `(chmod -R go-rwx '${files.root}' '${o.dbPath}'*)`,
        ];
  const db = openDatabase(o.dbPath);
  try {
    const orphans = files.init();
    const strays = files.sweepDatasets(allDatasetIds(db));
    const unlisted = sweepInvitationLists(db, files);
    const { app, ctx } = await buildApp({ ...o, db, files });
    if (orphans > 0) app.log.warn({ orphans }, 'removed temp files of unfinished uploads');
    if (strays > 0) app.log.warn({ strays }, 'removed dataset files whose upload never committed');
    if (unlisted.invitations.length > 0)
      app.log.warn(
        { invitations: unlisted.invitations, lists: unlisted.lists },
        'removed invitation lists whose invitation never committed (audited)',
      );
    for (const w of warnings) app.log.warn(w);
    const address = await app.listen({ port: o.port, host: o.host });
    return {
      app,
      ctx,
      db,
      address,
      warnings,
      close: async () => {
        await app.close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
