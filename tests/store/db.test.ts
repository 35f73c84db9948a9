import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUpToDate, migrate, openDatabase, schemaVersion } from '../../src/store/db.js';
import { LATEST_VERSION, MIGRATIONS } from '../../src/store/migrations.js';
import { tempDir } from '../helpers/cli.js';

describe('openDatabase and migrations', () => {
  it('applies every migration once; opening again changes nothing', () => {
    const path = join(tempDir(), 'db', 'c.db');
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    db.prepare("INSERT INTO organisation (id, name, created_at) VALUES ('o1', 'A', 'now')").run();
    db.close();
    const again = openDatabase(path);
    expect(migrate(again)).toEqual({ from: LATEST_VERSION, to: LATEST_VERSION });
    expect(again.prepare('SELECT count(*) AS n FROM organisation').get()).toEqual({ n: 1 });
    expect(isUpToDate(again)).toBe(true);
    expect(again.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(again.pragma('foreign_keys', { simple: true })).toBe(1);
    again.close();
  });

  it('enforces foreign keys', () => {
    const db = openDatabase(':memory:');
    expect(() =>
      db
        .prepare(
          "INSERT INTO api_token (id, organisation_id, role, token_hash, created_at) VALUES ('t', 'nobody', 'admin', 'h', 'now')",
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
  });

  it('refuses a database newer than this build', () => {
    const db = openDatabase(':memory:', { migrate: false });
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this build/);
  });

  it('a failing migration leaves the previous version in place', () => {
    const db = openDatabase(':memory:', { migrate: false });
    const broken = [
      ...MIGRATIONS,
      { version: LATEST_VERSION + 1, name: 'bad', sql: 'CREATE TABLE x (; nonsense' },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
  });
});
