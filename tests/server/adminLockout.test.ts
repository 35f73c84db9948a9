/**
 * Administration cannot be locked out (issue 14, item 7): the API refuses to revoke the last
 * active admin token (409), and `admin init` counts only active admin tokens, so an operator on
 * the host can recover a store whose admin tokens were all revoked (or have expired).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { authenticateToken, createToken, listTokens } from '../../src/store/tokens.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { call, startTestService, type TestService } from './helpers.js';

describe('revoking admin tokens', () => {
  let s: TestService;
  let adminId: string;
  let adminOrg: string;

  beforeAll(async () => {
    s = await startTestService();
    const me = await call(s, 'GET', '/me', { token: s.adminToken });
    expect(me.status, me.text).toBe(200);
    const own = listTokens(s.db).find((t) => t.role === 'admin')!;
    adminId = own.id;
    adminOrg = own.organisationId;
  });
  afterAll(async () => s.close());

  it('refuses to revoke the last active admin token with a 409, counting no expired or revoked ones', async () => {
    // An expired admin token does not count as another admin.
    createToken(s.db, { organisationId: adminOrg, role: 'admin', expiresAt: '2001-01-01T00:00:00.000Z' });
    const r = await call(s, 'DELETE', `/tokens/${adminId}`, { token: s.adminToken });
    expect(r.status, r.text).toBe(409);
    expect(r.body.error.code).toBe('CL_CONFLICT');
    expect(r.body.error.message).toMatch(/last active admin token/);
    expect((await call(s, 'GET', '/me', { token: s.adminToken })).status).toBe(200);
  });

  it('revokes an admin token once another active one exists, then refuses the new last one', async () => {
    const second = await call(s, 'POST', `/organisations/${adminOrg}/tokens`, {
      token: s.adminToken,
      json: { role: 'admin' },
    });
    expect(second.status, second.text).toBe(201);
    const first = await call(s, 'DELETE', `/tokens/${adminId}`, { token: second.body.token });
    expect(first.status, first.text).toBe(200);
    expect(first.body.revokedAt).not.toBeNull();
    expect((await call(s, 'GET', '/me', { token: s.adminToken })).status).toBe(401);
    // Revoking the revoked one again is harmless (it is no longer active).
    expect((await call(s, 'DELETE', `/tokens/${adminId}`, { token: second.body.token })).status).toBe(200);
    const last = await call(s, 'DELETE', `/tokens/${second.body.id}`, { token: second.body.token });
    expect(last.status, last.text).toBe(409);
    expect((await call(s, 'GET', '/me', { token: second.body.token })).status).toBe(200);
    // Only the successful revocation was audited.
    const audit = await call(s, 'GET', '/audit', { token: second.body.token });
    const revocations = audit.body.entries.filter((e: { action: string }) => e.action === 'token.revoked');
    expect(revocations.map((e: { target: string }) => e.target)).toEqual([adminId]);
  });
});

describe('admin init on a locked-out store', () => {
  it('creates a new admin token once no admin token is active, and refuses while one is', () => {
    const db = join(tempDir(), 'svc.db');
    const init = runCli(['admin', 'init', '--db', db, '--name', 'NHS Operator']);
    expect(init.status, init.stderr).toBe(0);
    const firstToken = init.stdout.trim();

    // A store locked out before this fix: its only admin token revoked.
    const raw = new Database(db);
    raw.prepare(`UPDATE api_token SET revoked_at = '2026-01-01T00:00:00.000Z' WHERE role = 'admin'`).run();
    raw.close();

    const recovered = runCli(['admin', 'init', '--db', db, '--name', 'NHS Operator']);
    expect(recovered.status, recovered.stderr).toBe(0);
    expect(recovered.stderr).toMatch(/no admin token was active: created one for the existing organisation/);
    const token = recovered.stdout.trim();
    expect(token).not.toBe(firstToken);
    const check = openDatabase(db);
    const a = authenticateToken(check, token);
    expect(a).toMatchObject({ ok: true, principal: { role: 'admin' } });
    // The operator's organisation is reused, not duplicated.
    expect(check.prepare('SELECT count(*) AS n FROM organisation').get()).toEqual({ n: 1 });
    check.close();

    const again = runCli(['admin', 'init', '--db', db]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/CL_CONFLICT: .*already has an active admin token/);
    expect(again.stdout).toBe('');

    const verify = runCli(['audit', 'verify', '--db', db]);
    expect(verify.status, verify.stderr).toBe(0);
  });
});
