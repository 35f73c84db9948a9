/**
 * The ordered schema migrations. A released migration is never edited: a change is a new entry
 * at the end. `db.ts` applies each in its own transaction and records it in PRAGMA user_version.
 */

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'organisations, tokens, projects, datasets, runs, usage, audit',
    sql: `
CREATE TABLE organisation (
  id TEXT PRIMARY KEY,
  name TEXT UNIQUE NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE api_token (
  id TEXT PRIMARY KEY,
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  role TEXT NOT NULL CHECK (role IN ('admin','provider','researcher','reviewer')),
  token_hash TEXT UNIQUE NOT NULL,
  label TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_token_org ON api_token(organisation_id);
CREATE TABLE project (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  schema_fingerprint TEXT,
  key_fingerprint TEXT,
  filter_bits INTEGER
);
CREATE TABLE project_member (
  project_id TEXT NOT NULL REFERENCES project(id),
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  PRIMARY KEY (project_id, organisation_id)
);
CREATE TABLE dataset (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES project(id),
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  name TEXT NOT NULL,
  upload_id TEXT NOT NULL,
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  summary_json TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (project_id, upload_id),
  UNIQUE (project_id, name)
);
CREATE TABLE run (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES project(id),
  requested_by TEXT NOT NULL,
  options_json TEXT NOT NULL,
  dataset_ids_json TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','succeeded','failed','cancelled')),
  stage TEXT,
  done INTEGER,
  total INTEGER,
  error_code TEXT,
  error_message TEXT,
  retryable INTEGER,
  summary_json TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
CREATE INDEX run_project ON run(project_id);
CREATE INDEX run_state ON run(state);
CREATE TABLE run_dataset_keys (
  run_id TEXT NOT NULL REFERENCES run(id),
  dataset_id TEXT NOT NULL REFERENCES dataset(id),
  records INTEGER,
  PRIMARY KEY (run_id, dataset_id)
);
CREATE TABLE usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organisation_id TEXT NOT NULL,
  at TEXT NOT NULL,
  kind TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  ref TEXT
);
CREATE INDEX usage_at ON usage(at);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  organisation_id TEXT,
  token_id TEXT,
  project_id TEXT,
  action TEXT NOT NULL,
  target TEXT,
  detail_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_project ON audit(project_id, seq);
-- The last entry's seq and hash, updated with every append: deleting entries from the end of
-- the chain leaves a chain that verifies on its own, so verify compares its end with this row.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'cohort: dataset roles, attribute and event files, invitations',
    sql: `
-- A dataset's part in cohort selection (issue 5): 'spine' wins attribute conflicts, 'optout'
-- is the opt-out register; contactable = its organisation can invite its own people.
CREATE TABLE cohort_dataset (
  dataset_id TEXT PRIMARY KEY REFERENCES dataset(id),
  role TEXT NOT NULL CHECK (role IN ('spine','records','optout')),
  contactable INTEGER NOT NULL CHECK (contactable IN (0, 1))
);
-- Attribute (NDJSON) and event (CSV) files stored in the data folder, one of each per dataset.
CREATE TABLE cohort_file (
  dataset_id TEXT NOT NULL REFERENCES dataset(id),
  kind TEXT NOT NULL CHECK (kind IN ('attributes','events')),
  records INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (dataset_id, kind)
);
CREATE TABLE invitation (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES run(id),
  project_id TEXT NOT NULL REFERENCES project(id),
  requested_by TEXT NOT NULL,
  cap INTEGER NOT NULL,
  people INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE invitation_list (
  invitation_id TEXT NOT NULL REFERENCES invitation(id),
  dataset_id TEXT NOT NULL REFERENCES dataset(id),
  records INTEGER NOT NULL,
  PRIMARY KEY (invitation_id, dataset_id)
);
`,
  },
  {
    version: 3,
    name: 'cohort governance: contact priority, opt-out attestation, run snapshots, list reads',
    sql: `
-- Per project (issue 11): the order in which contactable datasets invite a person (dataset ids,
-- JSON array), and an admin's audited statement that opt-outs are applied upstream (the only way
-- a project without an opt-out register gets cohort output).
CREATE TABLE project_cohort (
  project_id TEXT PRIMARY KEY REFERENCES project(id),
  contact_priority_json TEXT NOT NULL DEFAULT '[]',
  optouts_upstream INTEGER NOT NULL DEFAULT 0 CHECK (optouts_upstream IN (0, 1)),
  updated_at TEXT NOT NULL
);
-- What was in force when a run was submitted: every project dataset's role, the contact
-- priority and the attestation. Cohort outputs of the run read these, never today's roles, so
-- nobody can change the meaning of a past run. (Opt-out registers added later still apply:
-- exclusion only ever grows.)
CREATE TABLE run_cohort (
  run_id TEXT PRIMARY KEY REFERENCES run(id),
  contact_priority_json TEXT NOT NULL,
  optouts_upstream INTEGER NOT NULL CHECK (optouts_upstream IN (0, 1))
);
CREATE TABLE run_cohort_role (
  run_id TEXT NOT NULL REFERENCES run(id),
  dataset_id TEXT NOT NULL REFERENCES dataset(id),
  role TEXT NOT NULL CHECK (role IN ('spine','records','optout')),
  contactable INTEGER NOT NULL CHECK (contactable IN (0, 1)),
  PRIMARY KEY (run_id, dataset_id)
);
-- When the provider first downloaded its list (NULL = pending).
ALTER TABLE invitation_list ADD COLUMN first_read_at TEXT;
`,
  },
  {
    // Appended after the lead's version 3 (cohort governance); the two were written in parallel.
    version: 4,
    name: 'feasibility query ledger and per-requester query budgets',
    sql: `
-- Every feasibility query answered for a requesting organisation (docs/disclosure-control.md,
-- "Overlap control" and "Query budget"). The packed person sets (raw-deflated little-endian
-- bit words) let overlap control compare a new answer's cells with every earlier one across
-- restarts; with cells_json (each cell's true count and what was shown) they are as sensitive
-- as the data and never leave the service. History order is rowid (insertion) order.
CREATE TABLE cohort_query (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES project(id),
  run_id TEXT NOT NULL REFERENCES run(id),
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  at TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('answered','refused')),
  index_date TEXT,
  people INTEGER,
  eligible BLOB,
  excluded BLOB,
  cells_json TEXT,
  -- A refused query spends budget but keeps no sets; an answered one keeps everything.
  CHECK (kind = 'refused' OR (index_date IS NOT NULL AND people IS NOT NULL AND eligible IS NOT NULL
    AND excluded IS NOT NULL AND cells_json IS NOT NULL))
);
CREATE INDEX cohort_query_requester ON cohort_query(project_id, organisation_id);
CREATE INDEX cohort_query_run ON cohort_query(run_id, organisation_id);
-- Governance overrides per requesting organisation and project: queries NULL = the service's
-- default budget; run_id NULL = feasibility bound to the first run the organisation queried.
CREATE TABLE query_budget (
  project_id TEXT NOT NULL REFERENCES project(id),
  organisation_id TEXT NOT NULL REFERENCES organisation(id),
  queries INTEGER CHECK (queries IS NULL OR queries >= 0),
  run_id TEXT REFERENCES run(id),
  updated_at TEXT NOT NULL,
  PRIMARY KEY (project_id, organisation_id)
);
`,
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
