/**
 * Invitation lists: the eligible people, capped deterministically (ordered by linkage key, which
 * is random and so an unbiased order, and the same for the same run), then for each contactable
 * dataset of the run the refs of its records that belong to a chosen person. Eligible already
 * excludes deceased and opted-out people (evaluateCohortPlan), so no list can name them.
 */
import { open } from 'node:fs/promises';
import type { CohortSelection } from '../../cohort/evaluate/index.js';
import type { DataFiles } from '../../store/files.js';
import { commitFile, invitationListPath } from './cohortFiles.js';
import type { RunCohort } from './runCohort.js';

export interface WrittenLists {
  readonly people: number;
  /** dataset id → records listed. */
  readonly lists: Record<string, number>;
  readonly paths: string[];
}

export async function writeInvitationLists(
  files: DataFiles,
  invitationId: string,
  cohort: RunCohort,
  selection: CohortSelection,
  cap: number,
): Promise<WrittenLists> {
  // Person indices follow sorted linkage keys (joinThroughKeys), so index order is key order.
  const chosen = new Uint8Array(selection.eligible.length);
  let people = 0;
  for (let p = 0; p < chosen.length && people < cap; p++)
    if (selection.eligible[p] === 1) {
      chosen[p] = 1;
      people++;
    }
  const lists: Record<string, number> = {};
  const paths: string[] = [];
  for (const d of cohort.datasets) {
    if (!d.contactable || d.role === 'optout') continue;
    const refs = [...cohort.personOfRef.get(d.id)!].filter(([, p]) => chosen[p] === 1).map(([r]) => r);
    refs.sort();
    const temp = files.tempPath();
    const f = await open(temp, 'wx');
    try {
      await f.write(`ref\n${refs.map((r) => `${r}\n`).join('')}`);
      await f.sync();
    } finally {
      await f.close();
    }
    const path = invitationListPath(files, invitationId, d.id);
    commitFile(temp, path);
    paths.push(path);
    lists[d.id] = refs.length;
  }
  return { people, lists, paths };
}
