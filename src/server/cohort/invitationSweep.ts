/**
 * Start-up sweep of invitation lists without an invitation. A request writes its lists under
 * `invitations/<id>/` first and commits the invitation row after (routes/cohort.ts), removing
 * the lists if that fails; a SIGKILL in between left the lists — megabytes of patients' refs —
 * on disk with no row, never served and never removed (issue 14). The service runs this before
 * it listens, so no invitation is being created meanwhile. The audit entry and the log name
 * the invitation ids and counts, never a ref.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appendAudit } from '../../store/audit.js';
import type { Db } from '../../store/db.js';
import type { DataFiles } from '../../store/files.js';
import { getInvitation } from '../../store/repos/cohort.js';
import { invitationListPath } from './cohortFiles.js';

export interface SweptInvitations {
  /** Ids of the invitations whose lists went (their rows never committed). */
  readonly invitations: readonly string[];
  /** List files removed with them. */
  readonly lists: number;
}

export function sweepInvitationLists(db: Db, files: DataFiles): SweptInvitations {
  // The folder holding every invitation's folder (the layout is cohortFiles.ts's).
  const root = dirname(dirname(invitationListPath(files, '_', '_')));
  if (!existsSync(root)) return { invitations: [], lists: 0 };
  const invitations: string[] = [];
  let lists = 0;
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isDirectory() && getInvitation(db, entry.name) !== undefined) continue;
    const path = join(root, entry.name);
    if (entry.isDirectory()) lists += readdirSync(path).length;
    rmSync(path, { recursive: true, force: true });
    invitations.push(entry.name);
  }
  if (invitations.length > 0)
    db.transaction(() =>
      appendAudit(db, {
        action: 'invitations.orphans.removed',
        detail: { invitations, lists, reason: 'no invitation row: creation was interrupted' },
      }),
    ).immediate();
  return { invitations, lists };
}
