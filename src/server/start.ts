/**
 * Starts the whole service on one database: open and migrate it, prepare the data folder
 * (removing temp files of uploads a previous process never finished, and dataset files whose
 * row never committed), build the app, listen.
 * `cohortlink serve` and `npm start` call this; extra route groups (the run manager's) come in
 * through `routes`.
 */
import type { FastifyInstance } from 'fastify';
import { type Db, openDatabase } from '../store/db.js';
import { DataFiles } from '../store/files.js';
import { allDatasetIds } from '../store/repos/datasets.js';
import { type AppDeps, buildApp } from './app.js';
import type { ServiceContext } from './context.js';

export interface StartOptions extends Omit<AppDeps, 'db' | 'files'> {
  readonly dbPath: string;
  readonly port: number;
  readonly host: string;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  readonly db: Db;
  readonly address: string;
  close(): Promise<void>;
}

export async function startService(o: StartOptions): Promise<RunningService> {
  const db = openDatabase(o.dbPath);
  try {
    const files = DataFiles.besideDatabase(o.dbPath);
    const orphans = files.init();
    const strays = files.sweepDatasets(allDatasetIds(db));
    const { app, ctx } = await buildApp({ ...o, db, files });
    if (orphans > 0) app.log.warn({ orphans }, 'removed temp files of unfinished uploads');
    if (strays > 0) app.log.warn({ strays }, 'removed dataset files whose upload never committed');
    const address = await app.listen({ port: o.port, host: o.host });
    return {
      app,
      ctx,
      db,
      address,
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
