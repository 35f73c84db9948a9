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
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
