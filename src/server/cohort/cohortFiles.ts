/**
 * Where cohort files live in the data folder (beside `datasets/` and `runs/`):
 *
 *   cohort/<datasetId>.attributes.ndjson   a provider's validated attribute upload
 *   cohort/<datasetId>.events.csv          its validated events upload
 *   invitations/<id>/<datasetId>.csv       one provider's invitation list (header `ref`)
 *
 * Files appear under their final names only by rename, so readers never see half a file.
 */
import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type DataFiles, mkdirPrivate } from '../../store/files.js';
import type { CohortFileKind } from '../../store/repos/cohort.js';

export function cohortFilePath(files: DataFiles, datasetId: string, kind: CohortFileKind): string {
  return join(
    files.root,
    'cohort',
    `${datasetId}.${kind === 'attributes' ? 'attributes.ndjson' : 'events.csv'}`,
  );
}

export function invitationListPath(files: DataFiles, invitationId: string, datasetId: string): string {
  return join(files.root, 'invitations', invitationId, `${datasetId}.csv`);
}

/** Renames a flushed temp file to its final name and makes the rename durable. */
export function commitFile(tempPath: string, finalPath: string): void {
  const dir = dirname(finalPath);
  mkdirPrivate(dir);
  renameSync(tempPath, finalPath);
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
