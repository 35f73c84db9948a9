import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../../src/store/db.js';
import { DataFiles } from '../../src/store/files.js';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import {
  authenticateToken,
  createToken,
  hashToken,
  listTokens,
  revokeToken,
} from '../../src/store/tokens.js';
import { tempDir } from '../helpers/cli.js';

function setup(): { db: Db; org: string } {
  const db = openDatabase(':memory:');
  return { db, org: createOrganisation(db, 'Org').id };
}

describe('tokens', () => {
  it('authenticates a new token and stores only its hash', () => {
    const { db, org } = setup();
    const { token, record } = createToken(db, { organisationId: org, role: 'provider' });
    expect(token).toMatch(/^clt_[A-Za-z0-9_-]{43}$/);
    expect(authenticateToken(db, token)).toEqual({
      ok: true,
      principal: { organisationId: org, tokenId: record.id, role: 'provider' },
    });
    const dump = JSON.stringify(db.prepare('SELECT * FROM api_token').all());
    expect(dump).not.toContain(token);
    expect(dump).toContain(hashToken(token));
    expect(JSON.stringify(listTokens(db))).not.toContain(hashToken(token));
  });

  it('refuses unknown, expired and revoked tokens', () => {
    const { db, org } = setup();
    expect(authenticateToken(db, 'clt_nope')).toEqual({ ok: false, reason: 'unknown' });
    const expiring = createToken(db, {
      organisationId: org,
      role: 'researcher',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    expect(authenticateToken(db, expiring.token, '2029-12-31T23:59:59.999Z').ok).toBe(true);
    expect(authenticateToken(db, expiring.token, '2030-01-01T00:00:00.000Z')).toEqual({
      ok: false,
      reason: 'expired',
    });
    const t = createToken(db, { organisationId: org, role: 'reviewer' });
    const revoked = revokeToken(db, t.record.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(authenticateToken(db, t.token)).toEqual({ ok: false, reason: 'revoked' });
    expect(revokeToken(db, t.record.id).revokedAt).toBe(revoked.revokedAt);
  });

  it('gives every token a different secret', () => {
    const { db, org } = setup();
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(createToken(db, { organisationId: org, role: 'admin' }).token);
    expect(seen.size).toBe(50);
  });
});

describe('data folder', () => {
  it('removes temp files left by an earlier process and keeps committed files', () => {
    const files = new DataFiles(join(tempDir(), 'x.db.files'));
    expect(files.init()).toBe(0);
    const temp = files.tempPath();
    writeFileSync(temp, 'half an upload');
    const kept = files.tempPath();
    writeFileSync(kept, 'done');
    files.commit(kept, files.datasetPath('d1'));
    expect(files.init()).toBe(1);
    expect(files.temps()).toEqual([]);
  });
});
