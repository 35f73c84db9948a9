/**
 * Cohort governance tables (migration 3): a project's contact priority and opt-out attestation,
 * the snapshot of both (and of every dataset's role) taken when a run is submitted, and when a
 * provider first read an invitation list.
 */
import type { Db } from '../db.js';
import { type CohortDatasetRole, type CohortRole, datasetRole } from './cohort.js';
import { listDatasets } from './datasets.js';

export interface ProjectCohortSettings {
  /** Dataset ids, first = asked first to invite a person it holds. */
  readonly contactPriority: readonly string[];
  /** An admin recorded that opt-outs are applied before data reaches the service. */
  readonly optOutsAppliedUpstream: boolean;
}

export function projectCohortSettings(db: Db, projectId: string): ProjectCohortSettings {
  const r = db
    .prepare('SELECT contact_priority_json, optouts_upstream FROM project_cohort WHERE project_id = ?')
    .get(projectId) as { contact_priority_json: string; optouts_upstream: number } | undefined;
  return r === undefined
    ? { contactPriority: [], optOutsAppliedUpstream: false }
    : {
        contactPriority: JSON.parse(r.contact_priority_json) as string[],
        optOutsAppliedUpstream: r.optouts_upstream === 1,
      };
}

export function putProjectCohortSettings(
  db: Db,
  projectId: string,
  s: ProjectCohortSettings,
  at: string,
): void {
  db.prepare(
    `INSERT INTO project_cohort (project_id, contact_priority_json, optouts_upstream, updated_at)
     VALUES (?, ?, ?, ?)
     ON CONFLICT (project_id) DO UPDATE SET contact_priority_json = excluded.contact_priority_json,
       optouts_upstream = excluded.optouts_upstream, updated_at = excluded.updated_at`,
  ).run(projectId, JSON.stringify(s.contactPriority), s.optOutsAppliedUpstream ? 1 : 0, at);
}

export interface RunCohortSnapshot extends ProjectCohortSettings {
  /** Every dataset of the project when the run was submitted, with its role then. */
  readonly roles: ReadonlyMap<string, CohortDatasetRole>;
}

/** Records, inside the caller's transaction, what governs the run's cohort outputs. */
export function snapshotRunCohort(db: Db, runId: string, projectId: string): void {
  const s = projectCohortSettings(db, projectId);
  db.prepare('INSERT INTO run_cohort (run_id, contact_priority_json, optouts_upstream) VALUES (?, ?, ?)').run(
    runId,
    JSON.stringify(s.contactPriority),
    s.optOutsAppliedUpstream ? 1 : 0,
  );
  const role = db.prepare(
    'INSERT INTO run_cohort_role (run_id, dataset_id, role, contactable) VALUES (?, ?, ?, ?)',
  );
  for (const d of listDatasets(db, projectId)) {
    const r = datasetRole(db, d.id);
    role.run(runId, d.id, r.role, r.contactable ? 1 : 0);
  }
}

/** The run's snapshot; undefined for a run submitted before snapshots existed. */
export function runCohortSnapshot(db: Db, runId: string): RunCohortSnapshot | undefined {
  const r = db
    .prepare('SELECT contact_priority_json, optouts_upstream FROM run_cohort WHERE run_id = ?')
    .get(runId) as { contact_priority_json: string; optouts_upstream: number } | undefined;
  if (r === undefined) return undefined;
  const rows = db
    .prepare('SELECT dataset_id, role, contactable FROM run_cohort_role WHERE run_id = ?')
    .all(runId) as { dataset_id: string; role: CohortRole; contactable: number }[];
  return {
    contactPriority: JSON.parse(r.contact_priority_json) as string[],
    optOutsAppliedUpstream: r.optouts_upstream === 1,
    roles: new Map(rows.map((x) => [x.dataset_id, { role: x.role, contactable: x.contactable === 1 }])),
  };
}

/** Whether the dataset has taken part in any run (then only an admin may change its role). */
export function datasetInAnyRun(db: Db, datasetId: string): boolean {
  const r = db
    .prepare(
      `SELECT 1 FROM run WHERE project_id = (SELECT project_id FROM dataset WHERE id = ?)
         AND EXISTS (SELECT 1 FROM json_each(run.dataset_ids_json) WHERE value = ?) LIMIT 1`,
    )
    .get(datasetId, datasetId);
  return r !== undefined;
}

export function markInvitationListRead(db: Db, invitationId: string, datasetId: string, at: string): void {
  db.prepare(
    `UPDATE invitation_list SET first_read_at = ? WHERE invitation_id = ? AND dataset_id = ?
       AND first_read_at IS NULL`,
  ).run(at, invitationId, datasetId);
}

export interface InvitationListEntry {
  readonly invitationId: string;
  readonly runId: string;
  readonly datasetId: string;
  readonly createdAt: string;
  readonly firstReadAt: string | null;
}

/** Invitation lists of these datasets in a project, newest first. */
export function invitationListsFor(
  db: Db,
  projectId: string,
  datasetIds: readonly string[],
  pendingOnly: boolean,
): InvitationListEntry[] {
  if (datasetIds.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT l.invitation_id, i.run_id, l.dataset_id, i.created_at, l.first_read_at
         FROM invitation_list l JOIN invitation i ON i.id = l.invitation_id
        WHERE i.project_id = ? AND l.dataset_id IN (SELECT value FROM json_each(?))
          ${pendingOnly ? 'AND l.first_read_at IS NULL' : ''}
        ORDER BY i.created_at DESC, l.invitation_id, l.dataset_id`,
    )
    .all(projectId, JSON.stringify(datasetIds)) as {
    invitation_id: string;
    run_id: string;
    dataset_id: string;
    created_at: string;
    first_read_at: string | null;
  }[];
  return rows.map((r) => ({
    invitationId: r.invitation_id,
    runId: r.run_id,
    datasetId: r.dataset_id,
    createdAt: r.created_at,
    firstReadAt: r.first_read_at,
  }));
}
