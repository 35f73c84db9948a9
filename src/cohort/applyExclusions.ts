/**
 * Applies record-level exclusions (exclusion matching's output) to a run's people: a person is
 * opted out, or deceased, if ANY of their records was matched to an opt-out or death record.
 * The people columns are copied, never changed in place, since the same join may be reused.
 */
import type { JoinedCohort, KeysByDataset } from './attributes/join.js';

/** Reason bits of a record's mask (as matchExclusions writes them). */
export const OPTOUT_BIT = 1;
export const DECEASED_BIT = 2;

/** dataset name → ref → reason mask. */
export type RecordExclusions = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface ExcludedCohort {
  readonly joined: JoinedCohort;
  /** 1 = excluded by exclusion matching only (the run's own links did not already exclude them). */
  readonly byMatch: Uint8Array;
}

export function applyExclusions(
  joined: JoinedCohort,
  keys: KeysByDataset,
  exclusions: RecordExclusions,
): ExcludedCohort {
  const { people } = joined;
  const index = new Map(joined.keys.map((k, i) => [k, i]));
  const optedOut = people.optedOut.slice();
  const deceased = people.deceased.slice();
  const byMatch = new Uint8Array(people.count);
  for (const [dataset, refs] of exclusions) {
    const keyOf = keys.get(dataset);
    if (keyOf === undefined) continue;
    for (const [ref, mask] of refs) {
      const key = keyOf.get(ref);
      const p = key === undefined ? undefined : index.get(key);
      if (p === undefined) continue;
      if (optedOut[p] === 0 && deceased[p] === 0) byMatch[p] = 1;
      if (mask & OPTOUT_BIT) optedOut[p] = 1;
      if (mask & DECEASED_BIT) deceased[p] = 1;
    }
  }
  return { joined: { ...joined, people: { ...people, optedOut, deceased } }, byMatch };
}
