/** `cohortlink admin init` and `cohortlink audit verify`, run as a user would. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { authenticateToken } from '../../src/store/tokens.js';
import { runCli, tempDir } from '../helpers/cli.js';

describe('admin init and audit verify', () => {
  it('creates the first admin once, and verify catches an edited and a deleted entry', () => {
    const db = join(tempDir(), 'svc.db');
    const init = runCli(['admin', 'init', '--db', db, '--name', 'NHS Operator']);
    expect(init.status, init.stderr).toBe(0);
    const token = init.stdout.trim();
    const check = openDatabase(db);
    expect(authenticateToken(check, token)).toMatchObject({ ok: true, principal: { role: 'admin' } });
    check.close();

    const again = runCli(['admin', 'init', '--db', db]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toContain('CL_CONFLICT');
    expect(again.stdout).toBe('');

    const ok = runCli(['audit', 'verify', '--db', db]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/intact: 2 entries/);

    const raw = new Database(db);
    raw.prepare(`UPDATE audit SET detail_json = '{"name":"Someone else"}' WHERE seq = 1`).run();
    raw.close();
    const edited = runCli(['audit', 'verify', '--db', db]);
    expect(edited.status).toBe(5);
    expect(edited.stderr).toMatch(/CL_STORE_CORRUPT: audit entry 1: .*edited/);
  });

  it('names a deleted tail', () => {
    const db = join(tempDir(), 'svc.db');
    expect(runCli(['admin', 'init', '--db', db]).status).toBe(0);
    const raw = new Database(db);
    raw.prepare('DELETE FROM audit WHERE seq = 2').run();
    raw.close();
    const r = runCli(['audit', 'verify', '--db', db]);
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/audit entry 2: .*deleted from the end/);
  });

  it('fails clearly on a database that does not exist', () => {
    const r = runCli(['audit', 'verify', '--db', join(tempDir(), 'missing.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CL_FILE_UNREADABLE');
  });
});

describe('serve', () => {
  it('is registered with its options', () => {
    const r = runCli(['serve', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--port/);
    expect(r.stdout).toMatch(/--db/);
  });
});
