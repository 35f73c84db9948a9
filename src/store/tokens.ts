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

/**
 * Revokes a token; revoking twice keeps the first time. The last active admin token is not
 * revoked (CL_CONFLICT): with none left nobody could administer the service again, short of
 * `admin init` on the host. Call inside an IMMEDIATE transaction so the count cannot race.
 */
export function revokeToken(db: Db, id: string, now: string = isoNow()): TokenRecord {
  const before = getToken(db, id);
  if (before === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no token ${id}`);
  if (before.role === 'admin' && isActive(before, now) && countActiveAdminTokens(db, now) <= 1)
    throw new CohortlinkError(
      'CL_CONFLICT',
      'this is the last active admin token: create another admin token before revoking it, or nobody could administer the service',
    );
  db.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id);
  return getToken(db, id)!;
}

const isActive = (t: TokenRecord, now: string): boolean =>
  t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now);

/** Admin tokens that still authenticate: not revoked, not expired. */
export function countActiveAdminTokens(db: Db, now: string = isoNow()): number {
  return (
    db
      .prepare(
        `SELECT count(*) AS n FROM api_token
         WHERE role = 'admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .get(now) as { n: number }
  ).n;
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
