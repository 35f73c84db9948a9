/**
 * Cohort tables (migration 2): dataset roles, stored attribute/event files, invitations.
 * Small typed functions over prepared statements, like the other repos.
 */
import type { Db } from '../db.js';

export const COHORT_ROLES = ['spine', 'records', 'optout'] as const;
export type CohortRole = (typeof COHORT_ROLES)[number];
export type CohortFileKind = 'attributes' | 'events';

export interface CohortDatasetRole {
  readonly role: CohortRole;
  readonly contactable: boolean;
}

/**
 * A dataset never marked is 'records' and contactable: most providers hold care records and can
 * write to their own patients. The opt-out register is never contactable (it exists to stop
 * contact); the spine (PDS-like) is not unless marked, because it is a reference, not a carer.
 */
export function datasetRole(db: Db, datasetId: string): CohortDatasetRole {
  const row = db
    .prepare('SELECT role, contactable FROM cohort_dataset WHERE dataset_id = ?')
    .get(datasetId) as { role: CohortRole; contactable: number } | undefined;
  if (row === undefined) return { role: 'records', contactable: true };
  return { role: row.role, contactable: row.role !== 'optout' && row.contactable === 1 };
}

export function setDatasetRole(db: Db, datasetId: string, r: CohortDatasetRole): void {
  db.prepare(
    `INSERT INTO cohort_dataset (dataset_id, role, contactable) VALUES (?, ?, ?)
     ON CONFLICT (dataset_id) DO UPDATE SET role = excluded.role, contactable = excluded.contactable`,
  ).run(datasetId, r.role, r.contactable && r.role !== 'optout' ? 1 : 0);
}

export interface CohortFileRow {
  readonly records: number;
  readonly bytes: number;
  readonly createdAt: string;
}

export function getCohortFile(db: Db, datasetId: string, kind: CohortFileKind): CohortFileRow | undefined {
  const row = db
    .prepare('SELECT records, bytes, created_at FROM cohort_file WHERE dataset_id = ? AND kind = ?')
    .get(datasetId, kind) as { records: number; bytes: number; created_at: string } | undefined;
  return row && { records: row.records, bytes: row.bytes, createdAt: row.created_at };
}

/** Replaces the dataset's file of this kind (a corrected upload supersedes the old one). */
export function putCohortFile(
  db: Db,
  datasetId: string,
  kind: CohortFileKind,
  f: { records: number; bytes: number; createdAt: string },
): void {
  db.prepare(
    `INSERT INTO cohort_file (dataset_id, kind, records, bytes, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (dataset_id, kind) DO UPDATE SET records = excluded.records, bytes = excluded.bytes,
       created_at = excluded.created_at`,
  ).run(datasetId, kind, f.records, f.bytes, f.createdAt);
}

export interface InvitationRow {
  readonly id: string;
  readonly runId: string;
  readonly projectId: string;
  readonly requestedBy: string;
  readonly cap: number;
  readonly people: number;
  readonly createdAt: string;
}

export function insertInvitation(db: Db, i: InvitationRow, lists: Readonly<Record<string, number>>): void {
  db.prepare(
    `INSERT INTO invitation (id, run_id, project_id, requested_by, cap, people, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(i.id, i.runId, i.projectId, i.requestedBy, i.cap, i.people, i.createdAt);
  const list = db.prepare(
    'INSERT INTO invitation_list (invitation_id, dataset_id, records) VALUES (?, ?, ?)',
  );
  for (const [datasetId, n] of Object.entries(lists)) list.run(i.id, datasetId, n);
}

export function getInvitation(db: Db, id: string): InvitationRow | undefined {
  const r = db.prepare('SELECT * FROM invitation WHERE id = ?').get(id) as
    | {
        id: string;
        run_id: string;
        project_id: string;
        requested_by: string;
        cap: number;
        people: number;
        created_at: string;
      }
    | undefined;
  return (
    r && {
      id: r.id,
      runId: r.run_id,
      projectId: r.project_id,
      requestedBy: r.requested_by,
      cap: r.cap,
      people: r.people,
      createdAt: r.created_at,
    }
  );
}

export function invitationListRecords(db: Db, invitationId: string, datasetId: string): number | undefined {
  const r = db
    .prepare('SELECT records FROM invitation_list WHERE invitation_id = ? AND dataset_id = ?')
    .get(invitationId, datasetId) as { records: number } | undefined;
  return r?.records;
}
