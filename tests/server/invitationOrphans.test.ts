/**
 * A SIGKILL between writing an invitation's lists and committing its row left the lists (refs
 * of patients) on disk with no row, never swept (issue 14, item 7). The crash is simulated by
 * its result — list files under `invitations/<id>/` with no invitation row — and the service
 * started on that data folder must remove them before it listens, keep every committed
 * invitation's lists, and audit and log the removal without a ref.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invitationListPath } from '../../src/server/cohort/cohortFiles.js';
import { startService } from '../../src/server/start.js';
import { listAudit, verifyAudit } from '../../src/store/audit.js';
import { newId } from '../../src/store/clock.js';
import { openDatabase } from '../../src/store/db.js';
import { DataFiles } from '../../src/store/files.js';
import { insertInvitation } from '../../src/store/repos/cohort.js';
import { createProject } from '../../src/store/repos/projects.js';
import { tempDir } from '../helpers/cli.js';

/** A list as the writer makes it: header `ref`, then refs. */
function writeList(path: string, refs: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `ref\n${refs.join('\n')}\n`, { mode: 0o600 });
}

async function start(dbPath: string, logs: string[]) {
  return startService({
    dbPath,
    port: 0,
    host: '127.0.0.1',
    logger: { level: 'info', stream: { write: (l: string) => logs.push(l) } },
  });
}

describe('invitation lists without an invitation row', () => {
  it('are removed at start-up, audited and logged by id and count only; committed lists stay', async () => {
    const dbPath = join(tempDir('cohortlink-invsweep-'), 'service.db');
    const files = DataFiles.besideDatabase(dbPath);
    const db = openDatabase(dbPath);
    // A committed invitation, with its list.
    const project = createProject(db, 'Trial');
    const runId = newId();
    db.prepare(
      `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, created_at)
       VALUES (?, ?, 'org', '{}', '[]', 'succeeded', ?)`,
    ).run(runId, project.id, new Date().toISOString());
    const kept = newId();
    insertInvitation(
      db,
      {
        id: kept,
        runId,
        projectId: project.id,
        requestedBy: 'org',
        cap: 5,
        people: 2,
        createdAt: new Date().toISOString(),
      },
      {},
    );
    const keptList = invitationListPath(files, kept, newId());
    writeList(keptList, ['K1', 'K2']);
    db.close();

    // The crash's leftovers: two lists of one invitation that never got its row.
    const orphan = newId();
    const refs = Array.from({ length: 2000 }, () => `REF${randomBytes(6).toString('hex')}`);
    const orphanLists = [
      invitationListPath(files, orphan, newId()),
      invitationListPath(files, orphan, newId()),
    ];
    for (const p of orphanLists) writeList(p, refs);

    const logs: string[] = [];
    const service = await start(dbPath, logs);
    try {
      expect(existsSync(dirname(orphanLists[0]!))).toBe(false);
      expect(readFileSync(keptList, 'utf8')).toBe('ref\nK1\nK2\n');
      const entries = listAudit(service.db).filter((e) => e.action === 'invitations.orphans.removed');
      expect(entries).toHaveLength(1);
      expect(entries[0]!.detail).toMatchObject({ invitations: [orphan], lists: 2 });
      expect(verifyAudit(service.db).ok).toBe(true);
      const logged = logs.join('');
      expect(logged).toContain('removed invitation lists whose invitation never committed');
      expect(logged).toContain(orphan);
      for (const ref of refs.slice(0, 50)) {
        expect(logged).not.toContain(ref);
        expect(JSON.stringify(entries)).not.toContain(ref);
      }
    } finally {
      await service.close();
    }

    // Nothing more to sweep the next time: no second entry.
    const again = await start(dbPath, []);
    try {
      expect(listAudit(again.db).filter((e) => e.action === 'invitations.orphans.removed')).toHaveLength(1);
      expect(existsSync(keptList)).toBe(true);
    } finally {
      await again.close();
    }
  });
});
