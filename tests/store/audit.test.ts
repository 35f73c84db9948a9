import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/canonicalJson.js';
import { appendAudit, verifyAudit } from '../../src/store/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';

function seed(db: Db, n: number): void {
  for (let i = 0; i < n; i++)
    db.transaction(() =>
      appendAudit(db, { action: 'test.action', target: `t${i}`, detail: { i, name: 'x' } }),
    )();
}

describe('audit chain', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
  });

  it('verifies an intact chain, including an empty one', () => {
    expect(verifyAudit(db)).toMatchObject({ ok: true, entries: 0 });
    seed(db, 5);
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: true, entries: 5 });
  });

  it('appends only inside a transaction', () => {
    expect(() => appendAudit(db, { action: 'x' })).toThrow(/inside the transaction/);
  });

  it('rolls back with the change it records', () => {
    expect(() =>
      db.transaction(() => {
        appendAudit(db, { action: 'x' });
        throw new Error('change failed');
      })(),
    ).toThrow('change failed');
    expect(verifyAudit(db)).toMatchObject({ ok: true, entries: 0 });
  });

  it('detects an edited entry', () => {
    seed(db, 5);
    db.prepare(`UPDATE audit SET detail_json = '{"i":2,"name":"y"}' WHERE seq = 3`).run();
    expect(verifyAudit(db)).toMatchObject({ ok: false, seq: 3 });
  });

  it('detects an edited action even when the hash is recomputed for that entry alone', () => {
    seed(db, 5);
    db.prepare(`UPDATE audit SET action = 'other' WHERE seq = 2`).run();
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: false, seq: 2 });
  });

  it('detects a deleted entry as a gap', () => {
    seed(db, 5);
    db.prepare('DELETE FROM audit WHERE seq = 3').run();
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: false, seq: 3 });
    expect(r.ok ? '' : r.problem).toMatch(/missing/);
  });

  it('detects a deleted tail through the head row', () => {
    seed(db, 5);
    db.prepare('DELETE FROM audit WHERE seq >= 4').run();
    const r = verifyAudit(db);
    expect(r).toMatchObject({ ok: false, seq: 4 });
    expect(r.ok ? '' : r.problem).toMatch(/deleted from the end/);
  });

  it('detects a deleted head row', () => {
    seed(db, 2);
    db.prepare('DELETE FROM audit_head').run();
    expect(verifyAudit(db)).toMatchObject({ ok: false });
  });

  it('hashes content independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
  });
});
