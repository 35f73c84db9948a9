/**
 * The tamper-evident audit trail: every entry carries the SHA-256 of the previous entry's hash
 * and its own canonical content, so editing an entry breaks its hash, deleting one leaves a gap
 * in seq, and deleting entries from the end no longer matches the head row (`audit_head`).
 *
 * Entries are appended inside the caller's transaction, so a change and its record commit or
 * roll back together. Details hold counts, ids, names and fingerprints only — never
 * identifiers, record refs, keys, encodings or tokens.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonicalJson.js';
import { CohortlinkError } from '../errors.js';
import { isoNow } from './clock.js';
import type { Db } from './db.js';

export const GENESIS_HASH = '0'.repeat(64);

/** JSON values only: counts, ids, names, fingerprints (see the module comment). */
export type AuditDetail = Readonly<Record<string, unknown>>;

export interface AuditInput {
  readonly action: string;
  readonly organisationId?: string | null;
  readonly tokenId?: string | null;
  readonly projectId?: string | null;
  readonly target?: string | null;
  readonly detail?: AuditDetail;
}

export interface AuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly organisationId: string | null;
  readonly tokenId: string | null;
  readonly projectId: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly detail: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

interface AuditRow {
  seq: number;
  at: string;
  organisation_id: string | null;
  token_id: string | null;
  project_id: string | null;
  action: string;
  target: string | null;
  detail_json: string;
  prev_hash: string;
  hash: string;
}

function entryHash(prevHash: string, row: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const content = canonicalJson({
    seq: row.seq,
    at: row.at,
    organisation_id: row.organisation_id,
    token_id: row.token_id,
    project_id: row.project_id,
    action: row.action,
    target: row.target,
    detail: JSON.parse(row.detail_json),
  });
  return createHash('sha256').update(prevHash).update('\n').update(content).digest('hex');
}

/** Appends one entry. Must run inside the transaction that makes the change it records. */
export function appendAudit(db: Db, input: AuditInput): AuditEntry {
  if (!db.inTransaction)
    throw new CohortlinkError(
      'CL_INTERNAL',
      'audit entries must be appended inside the transaction they record',
    );
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
    | { seq: number; hash: string }
    | undefined;
  const row = {
    seq: (head?.seq ?? 0) + 1,
    at: isoNow(),
    organisation_id: input.organisationId ?? null,
    token_id: input.tokenId ?? null,
    project_id: input.projectId ?? null,
    action: input.action,
    target: input.target ?? null,
    detail_json: canonicalJson(input.detail ?? {}),
  };
  const prevHash = head?.hash ?? GENESIS_HASH;
  const hash = entryHash(prevHash, row);
  db.prepare(
    `INSERT INTO audit (seq, at, organisation_id, token_id, project_id, action, target, detail_json, prev_hash, hash)
     VALUES (@seq, @at, @organisation_id, @token_id, @project_id, @action, @target, @detail_json, @prev_hash, @hash)`,
  ).run({ ...row, prev_hash: prevHash, hash });
  db.prepare(
    'INSERT INTO audit_head (id, seq, hash) VALUES (1, @seq, @hash) ON CONFLICT (id) DO UPDATE SET seq = @seq, hash = @hash',
  ).run({ seq: row.seq, hash });
  return toEntry({ ...row, prev_hash: prevHash, hash });
}

export type AuditVerification =
  | { readonly ok: true; readonly entries: number; readonly headHash: string }
  | { readonly ok: false; readonly seq: number; readonly problem: string };

/** Recomputes the whole chain in seq order and reports the first entry at fault. */
export function verifyAudit(db: Db): AuditVerification {
  let expected = 1;
  let prev = GENESIS_HASH;
  for (const row of db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>) {
    if (row.seq !== expected)
      return {
        ok: false,
        seq: expected,
        problem: `entry ${expected} is missing (next entry is ${row.seq}): entries were deleted`,
      };
    if (row.prev_hash !== prev)
      return { ok: false, seq: row.seq, problem: `entry ${row.seq} does not chain to entry ${row.seq - 1}` };
    let hash: string;
    try {
      hash = entryHash(prev, row);
    } catch {
      return {
        ok: false,
        seq: row.seq,
        problem: `entry ${row.seq} has a detail that is not JSON: it was edited`,
      };
    }
    if (hash !== row.hash)
      return { ok: false, seq: row.seq, problem: `entry ${row.seq} does not match its hash: it was edited` };
    prev = row.hash;
    expected++;
  }
  const last = expected - 1;
  const head = db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1').get() as
    | { seq: number; hash: string }
    | undefined;
  if (head === undefined) {
    if (last === 0) return { ok: true, entries: 0, headHash: GENESIS_HASH };
    return { ok: false, seq: last, problem: 'the audit head row is missing' };
  }
  if (head.seq !== last || head.hash !== prev)
    return {
      ok: false,
      seq: last + 1,
      problem:
        head.seq > last
          ? `the chain ends at entry ${last} but the head records entry ${head.seq}: entries were deleted from the end`
          : `the head (entry ${head.seq}) does not match the last entry ${last}`,
    };
  return { ok: true, entries: last, headHash: prev };
}

export interface AuditQuery {
  readonly projectId?: string;
  readonly afterSeq?: number;
  readonly limit?: number;
}

export function listAudit(db: Db, q: AuditQuery = {}): AuditEntry[] {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
  const rows =
    q.projectId === undefined
      ? db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(q.afterSeq ?? 0, limit)
      : db
          .prepare('SELECT * FROM audit WHERE project_id = ? AND seq > ? ORDER BY seq LIMIT ?')
          .all(q.projectId, q.afterSeq ?? 0, limit);
  return (rows as AuditRow[]).map(toEntry);
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    at: r.at,
    organisationId: r.organisation_id,
    tokenId: r.token_id,
    projectId: r.project_id,
    action: r.action,
    target: r.target,
    detail: JSON.parse(r.detail_json) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
