/**
 * Invitation lists: one invitation per person, through one provider.
 *
 * The eligible people are capped deterministically (ordered by linkage key, which is random and
 * so an unbiased order, and the same for the same run). Each chosen person is then invited by
 * the first dataset in the contact order that holds a record of theirs: the project's contact
 * priority (as snapshot with the run) first, then the run's other contactable datasets in run
 * order. That dataset's list names ONE of the person's records (the smallest ref), so a person
 * with several hospital episodes gets one letter. Eligible already excludes everyone the run or
 * exclusion matching ties to an opt-out or a death (runCohort.ts), so no list can name them.
 * Every contactable dataset gets a list, empty or not, so the set of lists says nothing.
 */
import { open } from 'node:fs/promises';
import type { CohortSelection } from '../../cohort/evaluate/index.js';
import { csvField } from '../../matching/output/atomicFiles.js';
import { type DataFiles, FILE_MODE } from '../../store/files.js';
import { commitFile, invitationListPath } from './cohortFiles.js';
import type { RunCohort } from './runCohort.js';

export interface WrittenLists {
  readonly people: number;
  /** dataset id → records listed. */
  readonly lists: Record<string, number>;
  readonly paths: string[];
}

/** The run's contactable datasets in the order they are asked to invite. */
export function contactOrder(cohort: Pick<RunCohort, 'datasets' | 'contactPriority'>): string[] {
  const contactable = cohort.datasets.filter((d) => d.contactable && d.role !== 'optout').map((d) => d.id);
  const first = cohort.contactPriority.filter((id) => contactable.includes(id));
  return [...first, ...contactable.filter((id) => !first.includes(id))];
}

/**
 * Marks the people to invite: eligible people in key order, up to `cap`. A person tied to an
 * excluded (opted-out or deceased) person is never invited; a person tied to someone already
 * invited is covered by that invitation (they may be the same human).
 */
export function choosePeople(
  cohort: Pick<RunCohort, 'joined' | 'ties'>,
  selection: CohortSelection,
  cap: number,
): { chosen: Uint8Array; people: number } {
  const { offsets, partners } = cohort.ties;
  const { optedOut, deceased } = cohort.joined.people;
  const n = selection.eligible.length;
  const chosen = new Uint8Array(n);
  const covered = new Uint8Array(n);
  let people = 0;
  // Person indices follow sorted linkage keys (joinThroughKeys), so index order is key order.
  for (let p = 0; p < n && people < cap; p++) {
    if (selection.eligible[p] !== 1 || covered[p] === 1) continue;
    let blocked = false;
    for (let k = offsets[p]!; k < offsets[p + 1]! && !blocked; k++)
      blocked = (optedOut[partners[k]!]! | deceased[partners[k]!]!) !== 0;
    if (blocked) continue;
    chosen[p] = 1;
    people++;
    for (let k = offsets[p]!; k < offsets[p + 1]!; k++) covered[partners[k]!] = 1;
  }
  return { chosen, people };
}

/**
 * Per contactable dataset (in contact order), the refs it invites: for each chosen person, the
 * smallest ref they hold in the first dataset that holds any.
 */
export function assignInvitations(
  cohort: Pick<RunCohort, 'datasets' | 'contactPriority' | 'personOfRef'>,
  chosen: Uint8Array,
): Map<string, string[]> {
  const order = contactOrder(cohort);
  const refOf = new Map<string, (string | undefined)[]>();
  for (const id of order) {
    const smallest: (string | undefined)[] = new Array(chosen.length);
    const { refs, person } = cohort.personOfRef.get(id) ?? { refs: [], person: new Int32Array(0) };
    for (let i = 0; i < refs.length; i++) {
      const p = person[i]!;
      const ref = refs[i]!;
      if (chosen[p] !== 1) continue;
      const cur = smallest[p];
      if (cur === undefined || ref < cur) smallest[p] = ref;
    }
    refOf.set(id, smallest);
  }
  const lists = new Map<string, string[]>(order.map((id) => [id, []]));
  for (let p = 0; p < chosen.length; p++) {
    if (chosen[p] !== 1) continue;
    for (const id of order) {
      const ref = refOf.get(id)![p];
      if (ref === undefined) continue;
      lists.get(id)!.push(ref);
      break;
    }
  }
  for (const refs of lists.values()) refs.sort();
  return lists;
}

export async function writeInvitationLists(
  files: DataFiles,
  invitationId: string,
  cohort: RunCohort,
  selection: CohortSelection,
  cap: number,
): Promise<WrittenLists> {
  const { chosen, people } = choosePeople(cohort, selection, cap);
  const lists: Record<string, number> = {};
  const paths: string[] = [];
  for (const [id, refs] of assignInvitations(cohort, chosen)) {
    const temp = files.tempPath();
    const f = await open(temp, 'wx', FILE_MODE);
    try {
      // RFC 4180: a ref holding a comma or quote is quoted, so the list reads back exactly.
      await f.write(`ref\n${refs.map((r) => `${csvField(r)}\n`).join('')}`);
      await f.sync();
    } finally {
      await f.close();
    }
    const path = invitationListPath(files, invitationId, id);
    commitFile(temp, path);
    paths.push(path);
    lists[id] = refs.length;
  }
  return { people, lists, paths };
}
