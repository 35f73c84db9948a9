import { CohortlinkError } from '../../errors.js';
import { isoNow, newId } from '../clock.js';
import type { Db } from '../db.js';

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}

interface Row {
  id: string;
  name: string;
  created_at: string;
}

const toOrganisation = (r: Row): Organisation => ({ id: r.id, name: r.name, createdAt: r.created_at });

export function createOrganisation(db: Db, name: string): Organisation {
  if (getOrganisationByName(db, name) !== undefined)
    throw new CohortlinkError('CL_CONFLICT', `an organisation named "${name}" already exists`);
  const row: Row = { id: newId(), name, created_at: isoNow() };
  db.prepare('INSERT INTO organisation (id, name, created_at) VALUES (@id, @name, @created_at)').run(row);
  return toOrganisation(row);
}

export function getOrganisation(db: Db, id: string): Organisation | undefined {
  const row = db.prepare('SELECT * FROM organisation WHERE id = ?').get(id) as Row | undefined;
  return row && toOrganisation(row);
}

export function getOrganisationByName(db: Db, name: string): Organisation | undefined {
  const row = db.prepare('SELECT * FROM organisation WHERE name = ?').get(name) as Row | undefined;
  return row && toOrganisation(row);
}

export function listOrganisations(db: Db): Organisation[] {
  return (db.prepare('SELECT * FROM organisation ORDER BY name').all() as Row[]).map(toOrganisation);
}

export function requireOrganisation(db: Db, id: string): Organisation {
  const org = getOrganisation(db, id);
  if (org === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no organisation ${id}`);
  return org;
}
