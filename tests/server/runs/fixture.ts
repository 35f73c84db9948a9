/**
 * A small linkage world for run tests: generated people encoded with the CLI (spine, hospital,
 * and hospital under another secret for a fingerprint mismatch), a migrated database with one
 * organisation, project and the datasets registered as an upload would leave them.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunFileLayout } from '../../../src/server/runs/runFiles.js';
import { type Db, openDatabase } from '../../../src/store/db.js';
import { DataFiles } from '../../../src/store/files.js';
import { encodeUk, runCli, tempDir } from '../../helpers/cli.js';

export interface Encoded {
  readonly dir: string;
  /** ndjson files by name: spine, hospital, and (unless left out) hospitalOtherSecret. */
  readonly files: Readonly<{ spine: string; hospital: string; hospitalOtherSecret?: string }>;
}

/** `otherSecret` false skips the third encode (the end-to-end tests need only two files). */
export function encodeWorld(people = 2000, otherSecret = true): Encoded {
  const dir = tempDir('cohortlink-runs-');
  const gen = runCli(['generate', '--people', String(people), '--seed', '7', '--out', dir]);
  expect(gen.status, gen.stderr).toBe(0);
  const secret = join(dir, 'secret.txt');
  const other = join(dir, 'other.txt');
  writeFileSync(secret, 'runs test secret\n');
  writeFileSync(other, 'a different secret\n');
  const encode = (csv: string, secretFile: string, out: string): string => {
    const output = join(dir, out);
    encodeUk(join(dir, csv), output, secretFile);
    return output;
  };
  return {
    dir,
    files: {
      spine: encode('spine.csv', secret, 'spine.ndjson'),
      hospital: encode('hospital.csv', secret, 'hospital.ndjson'),
      ...(otherSecret ? { hospitalOtherSecret: encode('hospital.csv', other, 'hospital-other.ndjson') } : {}),
    },
  };
}

export interface World {
  readonly db: Db;
  readonly dbPath: string;
  readonly files: DataFiles;
  readonly layout: RunFileLayout;
  readonly projectId: string;
  readonly orgId: string;
  /** dataset ids by the fixture's names. */
  readonly datasets: Readonly<Record<string, string>>;
}

export function runsLayout(files: DataFiles): RunFileLayout {
  return { datasetEncodings: (id) => files.datasetPath(id), runsRoot: () => join(files.root, 'runs') };
}

/** A fresh database and data folder with the encoded files registered as datasets. */
export function makeWorld(encoded: Encoded): World {
  const root = tempDir('cohortlink-runs-db-');
  const dbPath = join(root, 'cohortlink.db');
  const db = openDatabase(dbPath);
  const files = DataFiles.besideDatabase(dbPath);
  files.init();
  const at = new Date().toISOString();
  const orgId = 'org-hospital';
  const projectId = 'project-1';
  db.prepare('INSERT INTO organisation (id, name, created_at) VALUES (?, ?, ?)').run(orgId, 'Hospital', at);
  db.prepare('INSERT INTO project (id, name, created_at) VALUES (?, ?, ?)').run(projectId, 'Trial', at);
  db.prepare('INSERT INTO project_member (project_id, organisation_id) VALUES (?, ?)').run(projectId, orgId);
  const datasets: Record<string, string> = {};
  for (const [name, path] of Object.entries(encoded.files)) {
    const id = `ds-${name}`;
    copyFileSync(path, files.datasetPath(id));
    const records = readFileSync(path, 'utf8').split('\n').length;
    db.prepare(
      `INSERT INTO dataset (id, project_id, organisation_id, name, upload_id, records, bytes, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?)`,
    ).run(id, projectId, orgId, name, `upload-${name}`, records, at);
    datasets[name] = id;
  }
  return { db, dbPath, files, layout: runsLayout(files), projectId, orgId, datasets };
}

/** ref → linkage key of a keys CSV. */
export function readKeys(path: string): Map<string, string> {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('ref,linkage_key');
  return new Map(lines.slice(1).map((l) => l.split(',') as [string, string]));
}
