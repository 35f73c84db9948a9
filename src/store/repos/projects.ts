import { CohortlinkError } from '../../errors.js';
import { isoNow, newId } from '../clock.js';
import type { Db } from '../db.js';

/** The encodings every dataset of a project must share; fixed by its first upload. */
export interface ProjectEncoding {
  readonly schemaFingerprint: string;
  readonly keyFingerprint: string;
  readonly filterBits: number;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly encoding: ProjectEncoding | null;
}

interface Row {
  id: string;
  name: string;
  created_at: string;
  schema_fingerprint: string | null;
  key_fingerprint: string | null;
  filter_bits: number | null;
}

function toProject(r: Row): Project {
  return {
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    encoding:
      r.schema_fingerprint === null || r.key_fingerprint === null || r.filter_bits === null
        ? null
        : {
            schemaFingerprint: r.schema_fingerprint,
            keyFingerprint: r.key_fingerprint,
            filterBits: r.filter_bits,
          },
  };
}

export function createProject(db: Db, name: string): Project {
  const row: Row = {
    id: newId(),
    name,
    created_at: isoNow(),
    schema_fingerprint: null,
    key_fingerprint: null,
    filter_bits: null,
  };
  db.prepare('INSERT INTO project (id, name, created_at) VALUES (@id, @name, @created_at)').run(row);
  return toProject(row);
}

export function getProject(db: Db, id: string): Project | undefined {
  const row = db.prepare('SELECT * FROM project WHERE id = ?').get(id) as Row | undefined;
  return row && toProject(row);
}

export function requireProject(db: Db, id: string): Project {
  const p = getProject(db, id);
  if (p === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no project ${id}`);
  return p;
}

/** All projects, or those an organisation belongs to. */
export function listProjects(db: Db, memberOrganisationId?: string): Project[] {
  const rows =
    memberOrganisationId === undefined
      ? db.prepare('SELECT * FROM project ORDER BY created_at, id').all()
      : db
          .prepare(
            `SELECT p.* FROM project p JOIN project_member m ON m.project_id = p.id
             WHERE m.organisation_id = ? ORDER BY p.created_at, p.id`,
          )
          .all(memberOrganisationId);
  return (rows as Row[]).map(toProject);
}

/** Sets the project's encoding if it has none; returns the encoding in force afterwards. */
export function fixProjectEncoding(db: Db, projectId: string, e: ProjectEncoding): ProjectEncoding {
  db.prepare(
    `UPDATE project SET schema_fingerprint = ?, key_fingerprint = ?, filter_bits = ?
     WHERE id = ? AND schema_fingerprint IS NULL`,
  ).run(e.schemaFingerprint, e.keyFingerprint, e.filterBits, projectId);
  return requireProject(db, projectId).encoding!;
}

export function addMember(db: Db, projectId: string, organisationId: string): boolean {
  return (
    db
      .prepare('INSERT OR IGNORE INTO project_member (project_id, organisation_id) VALUES (?, ?)')
      .run(projectId, organisationId).changes > 0
  );
}

export function removeMember(db: Db, projectId: string, organisationId: string): boolean {
  return (
    db
      .prepare('DELETE FROM project_member WHERE project_id = ? AND organisation_id = ?')
      .run(projectId, organisationId).changes > 0
  );
}

export function isMember(db: Db, projectId: string, organisationId: string): boolean {
  return (
    db
      .prepare('SELECT 1 FROM project_member WHERE project_id = ? AND organisation_id = ?')
      .get(projectId, organisationId) !== undefined
  );
}

export function listMembers(db: Db, projectId: string): string[] {
  return (
    db
      .prepare('SELECT organisation_id FROM project_member WHERE project_id = ? ORDER BY organisation_id')
      .all(projectId) as { organisation_id: string }[]
  ).map((r) => r.organisation_id);
}
