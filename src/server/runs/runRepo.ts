/**
 * The run manager's SQL: small typed functions over prepared statements on the tables of
 * design doc §Tables (`run`, `run_dataset_keys`, `dataset`).
 * Statements are prepared once per database; every lookup on the status path is by primary key.
 */
import type Database from 'better-sqlite3';

export const RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

export interface RunRow {
  readonly id: string;
  readonly project_id: string;
  readonly requested_by: string;
  readonly options_json: string;
  readonly dataset_ids_json: string;
  readonly state: RunState;
  readonly stage: string | null;
  readonly done: number | null;
  readonly total: number | null;
  readonly error_code: string | null;
  readonly error_message: string | null;
  readonly retryable: number | null;
  readonly summary_json: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
}

export interface DatasetRow {
  readonly id: string;
  readonly project_id: string;
  readonly organisation_id: string;
  readonly records: number;
}

export interface RunFinish {
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  readonly finishedAt: string;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly retryable: boolean | null;
  readonly summaryJson: string | null;
}

export type RunRepo = ReturnType<typeof runRepo>;

export function runRepo(db: Database.Database) {
  const insert = db.prepare<[string, string, string, string, string, string]>(
    `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, created_at)
     VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
  );
  const byId = db.prepare<[string], RunRow>('SELECT * FROM run WHERE id = ?');
  const unfinished = db.prepare<[], RunRow>(
    `SELECT * FROM run WHERE state IN ('queued', 'running') ORDER BY created_at`,
  );
  const succeededIds = db.prepare<[], { id: string }>(`SELECT id FROM run WHERE state = 'succeeded'`);
  const start = db.prepare<[string, string]>(
    `UPDATE run SET state = 'running', stage = 'load', done = 0, total = 0, started_at = ?
     WHERE id = ? AND state = 'queued'`,
  );
  const progress = db.prepare<[string, number, number, string]>(
    `UPDATE run SET stage = ?, done = ?, total = ? WHERE id = ? AND state = 'running'`,
  );
  const finish = db.prepare<
    [string, string, string | null, string | null, number | null, string | null, string]
  >(
    `UPDATE run SET state = ?, finished_at = ?, error_code = ?, error_message = ?, retryable = ?,
       summary_json = ? WHERE id = ?`,
  );
  const requeue = db.prepare<[string]>(
    `UPDATE run SET state = 'queued', stage = NULL, done = NULL, total = NULL, error_code = NULL,
       error_message = NULL, retryable = NULL, summary_json = NULL, started_at = NULL, finished_at = NULL
     WHERE id = ? AND state = 'failed' AND retryable = 1`,
  );
  const insertKeys = db.prepare<[string, string, number]>(
    'INSERT INTO run_dataset_keys (run_id, dataset_id, records) VALUES (?, ?, ?)',
  );
  const deleteKeys = db.prepare<[string]>('DELETE FROM run_dataset_keys WHERE run_id = ?');
  const keysRecords = db.prepare<[string, string], { records: number }>(
    'SELECT records FROM run_dataset_keys WHERE run_id = ? AND dataset_id = ?',
  );
  // The latest succeeded run of the project that gave this dataset keys: its keys file is the
  // dataset's key memory (design: keys stable across runs in a project).
  const previousKeys = db.prepare<[string, string, string], { run_id: string }>(
    `SELECT k.run_id FROM run_dataset_keys k JOIN run r ON r.id = k.run_id
     WHERE k.dataset_id = ? AND r.project_id = ? AND r.state = 'succeeded' AND r.id <> ?
     ORDER BY r.finished_at DESC, r.rowid DESC LIMIT 1`,
  );
  const dataset = db.prepare<[string], DatasetRow>(
    'SELECT id, project_id, organisation_id, records FROM dataset WHERE id = ?',
  );

  return {
    insert(r: {
      id: string;
      projectId: string;
      requestedBy: string;
      optionsJson: string;
      datasetIds: readonly string[];
      createdAt: string;
    }): void {
      insert.run(r.id, r.projectId, r.requestedBy, r.optionsJson, JSON.stringify(r.datasetIds), r.createdAt);
    },
    get: (id: string): RunRow | undefined => byId.get(id),
    unfinished: (): RunRow[] => unfinished.all(),
    succeededIds: (): Set<string> => new Set(succeededIds.all().map((r) => r.id)),
    /** False when the run was no longer queued (cancelled meanwhile). */
    start: (id: string, at: string): boolean => start.run(at, id).changes === 1,
    progress: (id: string, stage: string, done: number, total: number): void => {
      progress.run(stage, done, total, id);
    },
    finish(id: string, f: RunFinish): void {
      finish.run(
        f.state,
        f.finishedAt,
        f.errorCode,
        f.errorMessage,
        f.retryable === null ? null : f.retryable ? 1 : 0,
        f.summaryJson,
        id,
      );
    },
    requeue: (id: string): boolean => requeue.run(id).changes === 1,
    recordKeys(runId: string, records: Readonly<Record<string, number>>): void {
      deleteKeys.run(runId);
      for (const [datasetId, n] of Object.entries(records)) insertKeys.run(runId, datasetId, n);
    },
    keysRecords: (runId: string, datasetId: string): number | undefined =>
      keysRecords.get(runId, datasetId)?.records,
    previousKeysRun: (projectId: string, datasetId: string, exceptRun: string): string | undefined =>
      previousKeys.get(datasetId, projectId, exceptRun)?.run_id,
    dataset: (id: string): DatasetRow | undefined => dataset.get(id),
  };
}
