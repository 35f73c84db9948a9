/**
 * API tokens: 32 random bytes, base64url, shown to the caller once. Only their SHA-256 is
 * stored, so a copy of the database does not hand out working tokens. Lookup is by the hash
 * (an index probe), so no constant-time comparison of secrets is needed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CohortlinkError } from '../errors.js';
import { isoNow, newId } from './clock.js';
import type { Db } from './db.js';

export const ROLES = ['admin', 'provider', 'researcher', 'reviewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** A prefix lets secret scanners and log filters recognise a leaked token. */
export const TOKEN_PREFIX = 'clt_';

export interface TokenRecord {
  readonly id: string;
  readonly organisationId: string;
  readonly role: Role;
  readonly label: string | null;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export interface Principal {
  readonly organisationId: string;
  readonly tokenId: string;
  readonly role: Role;
}

interface TokenRow {
  id: string;
  organisation_id: string;
  role: Role;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewToken {
  readonly organisationId: string;
  readonly role: Role;
  readonly label?: string | null;
  readonly expiresAt?: string | null;
}

/** Creates a token; the returned secret is the only copy there will ever be. */
export function createToken(db: Db, input: NewToken): { token: string; record: TokenRecord } {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row: TokenRow = {
    id: newId(),
    organisation_id: input.organisationId,
    role: input.role,
    label: input.label ?? null,
    created_at: isoNow(),
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
  };
  db.prepare(
    `INSERT INTO api_token (id, organisation_id, role, token_hash, label, created_at, expires_at)
     VALUES (@id, @organisation_id, @role, @token_hash, @label, @created_at, @expires_at)`,
  ).run({ ...row, token_hash: hashToken(token) });
  return { token, record: toRecord(row) };
}

export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' };

export function authenticateToken(db: Db, token: string, now: string = isoNow()): Authentication {
  const row = db.prepare('SELECT * FROM api_token WHERE token_hash = ?').get(hashToken(token)) as
    | TokenRow
    | undefined;
  if (row === undefined) return { ok: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (row.expires_at !== null && row.expires_at <= now) return { ok: false, reason: 'expired' };
  return { ok: true, principal: { organisationId: row.organisation_id, tokenId: row.id, role: row.role } };
}

export function getToken(db: Db, id: string): TokenRecord | undefined {
  const row = db.prepare('SELECT * FROM api_token WHERE id = ?').get(id) as TokenRow | undefined;
  return row && toRecord(row);
}

export function listTokens(db: Db, organisationId?: string): TokenRecord[] {
  const rows =
    organisationId === undefined
      ? db.prepare('SELECT * FROM api_token ORDER BY created_at, id').all()
      : db
          .prepare('SELECT * FROM api_token WHERE organisation_id = ? ORDER BY created_at, id')
          .all(organisationId);
  return (rows as TokenRow[]).map(toRecord);
}

/** Revokes a token; revoking twice keeps the first time. */
export function revokeToken(db: Db, id: string): TokenRecord {
  db.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(isoNow(), id);
  const record = getToken(db, id);
  if (record === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no token ${id}`);
  return record;
}

export function countAdminTokens(db: Db): number {
  return (db.prepare("SELECT count(*) AS n FROM api_token WHERE role = 'admin'").get() as { n: number }).n;
}

function toRecord(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    organisationId: r.organisation_id,
    role: r.role,
    label: r.label,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}
