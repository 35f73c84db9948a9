import type { SummaryLine } from '../../encoding/ndjson.js';
import type { Db } from '../db.js';

export interface Dataset {
  readonly id: string;
  readonly projectId: string;
  readonly organisationId: string;
  readonly name: string;
  readonly uploadId: string;
  readonly records: number;
  readonly bytes: number;
  readonly createdAt: string;
}

interface Row {
  id: string;
  project_id: string;
  organisation_id: string;
  name: string;
  upload_id: string;
  records: number;
  bytes: number;
  summary_json: string | null;
  created_at: string;
}

const toDataset = (r: Row): Dataset => ({
  id: r.id,
  projectId: r.project_id,
  organisationId: r.organisation_id,
  name: r.name,
  uploadId: r.upload_id,
  records: r.records,
  bytes: r.bytes,
  createdAt: r.created_at,
});

export interface NewDataset extends Dataset {
  readonly summary: SummaryLine | undefined;
}

export function insertDataset(db: Db, d: NewDataset): Dataset {
  db.prepare(
    `INSERT INTO dataset (id, project_id, organisation_id, name, upload_id, records, bytes, summary_json, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    d.id,
    d.projectId,
    d.organisationId,
    d.name,
    d.uploadId,
    d.records,
    d.bytes,
    d.summary === undefined ? null : JSON.stringify(d.summary),
    d.createdAt,
  );
  return getDataset(db, d.id)!;
}

export function getDataset(db: Db, id: string): Dataset | undefined {
  const row = db.prepare('SELECT * FROM dataset WHERE id = ?').get(id) as Row | undefined;
  return row && toDataset(row);
}

export function getDatasetByUploadId(db: Db, projectId: string, uploadId: string): Dataset | undefined {
  const row = db
    .prepare('SELECT * FROM dataset WHERE project_id = ? AND upload_id = ?')
    .get(projectId, uploadId) as Row | undefined;
  return row && toDataset(row);
}

export function getDatasetByName(db: Db, projectId: string, name: string): Dataset | undefined {
  const row = db.prepare('SELECT * FROM dataset WHERE project_id = ? AND name = ?').get(projectId, name) as
    | Row
    | undefined;
  return row && toDataset(row);
}

/** A project's datasets, optionally only one organisation's. */
export function listDatasets(db: Db, projectId: string, organisationId?: string): Dataset[] {
  const rows =
    organisationId === undefined
      ? db.prepare('SELECT * FROM dataset WHERE project_id = ? ORDER BY created_at, id').all(projectId)
      : db
          .prepare(
            'SELECT * FROM dataset WHERE project_id = ? AND organisation_id = ? ORDER BY created_at, id',
          )
          .all(projectId, organisationId);
  return (rows as Row[]).map(toDataset);
}

/** The encoder's data-quality summary line, as uploaded (null if the file had none). */
export function getDatasetSummary(db: Db, id: string): unknown {
  const row = db.prepare('SELECT summary_json FROM dataset WHERE id = ?').get(id) as
    | { summary_json: string | null }
    | undefined;
  return row?.summary_json == null ? null : JSON.parse(row.summary_json);
}

/** Every dataset id (start-up: files in the data folder without a row are debris). */
export function allDatasetIds(db: Db): Set<string> {
  return new Set(db.prepare('SELECT id FROM dataset').pluck().all() as string[]);
}
