/**
 * Opens the service's SQLite database and brings its schema up to date. WAL lets readers (the
 * HTTP routes) run while one writer commits; foreign keys are off by default in SQLite and must
 * be switched on per connection; busy_timeout makes a second process (e.g. `cohortlink audit
 * verify` on a live database) wait for the writer instead of failing at once.
 */
import { closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CohortlinkError } from '../errors.js';
import { FILE_MODE, mkdirPrivate } from './files.js';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Apply pending migrations (default true); `false` leaves the schema as found. */
  readonly migrate?: boolean;
  readonly busyTimeoutMs?: number;
  readonly readonly?: boolean;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  let db: Db;
  try {
    if (path !== ':memory:' && !options.readonly) {
      mkdirPrivate(dirname(path));
      // A new database file is made 0600 here, not by SQLite (0644 less the umask); SQLite
      // gives its -wal and -shm files the database file's mode.
      closeSync(openSync(path, 'a', FILE_MODE));
    }
    db = new Database(path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
  } catch (err) {
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot open database ${path}: ${(err as Error).message}`,
      [],
      {
        cause: err,
      },
    );
  }
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // WAL with synchronous=NORMAL is durable against application crashes; only an OS crash may lose
  // the last commits, never corrupt the file.
  if (!options.readonly) db.pragma('synchronous = NORMAL');
  if (options.migrate ?? true) migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** True when every migration this build knows has been applied. */
export function isUpToDate(db: Db): boolean {
  return schemaVersion(db) === LATEST_VERSION;
}

/** Applies the migrations newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): { from: number; to: number } {
  const from = schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (from > latest)
    throw new CohortlinkError(
      'CL_STORE_CORRUPT',
      `the database is at schema version ${from}, newer than this build knows (${latest}); upgrade cohortlink`,
    );
  for (const m of migrations) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: schemaVersion(db) };
}
