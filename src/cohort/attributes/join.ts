import { CohortlinkError } from '../../errors.js';
import type { EventColumns, PeopleColumns } from '../people.js';
import { Interner } from './columns.js';
import { type DatasetAttributes, UNKNOWN_REGION } from './readAttributes.js';
import type { DatasetEvents } from './readEvents.js';

/**
 * Joins every dataset's attributes and events into one row per linked person.
 *
 * Conflict rule, per field (birth year, birth month, sex, region, death date), among the known
 * values of a person's records: the spine's value wins (the most common among spine records);
 * without one, the most common value across all records; ties go to the dataset listed first in
 * `inputs`, then the earlier record. Deceased is set if any record says so (a death recorded
 * anywhere must exclude the person); opted-out if the person has a record in an `optout` dataset.
 * Events from every dataset count, sorted by person then day (stable within a day).
 */

export type DatasetRole = 'spine' | 'records' | 'optout';

export interface JoinInput {
  readonly dataset: string;
  readonly role: DatasetRole;
  readonly attributes?: DatasetAttributes;
  readonly events?: DatasetEvents;
}

export interface JoinedCohort {
  readonly people: PeopleColumns;
  readonly events: EventColumns;
  /** Linkage key of each person index (sorted, so the result does not depend on map order). */
  readonly keys: readonly string[];
}

/** dataset → record ref → linkage key, as linkage produced them. */
export type KeysByDataset = ReadonlyMap<string, ReadonlyMap<string, string>>;

function keyLookup(
  keys: KeysByDataset,
  dataset: string,
  refs: readonly string[],
  index: ReadonlyMap<string, number>,
): Int32Array {
  const byRef = keys.get(dataset);
  if (byRef === undefined)
    throw new CohortlinkError('CL_CONFLICT', `dataset ${dataset} has attributes but no linkage keys`);
  const out = new Int32Array(refs.length);
  let missing = 0;
  refs.forEach((ref, i) => {
    const key = byRef.get(ref);
    if (key === undefined) missing++;
    else out[i] = index.get(key)!;
  });
  // A count only: refs are a data holder's values, and this error can reach a researcher.
  if (missing > 0)
    throw new CohortlinkError(
      'CL_CONFLICT',
      `${missing} record(s) of dataset ${dataset} have attributes or events but no linkage key`,
    );
  return out;
}

/** The winning value among a person's records (see the rule above); `unknown` when none is known. */
function resolve(values: readonly number[], spine: readonly boolean[], unknown: number): number {
  const anySpine = values.some((v, i) => spine[i] && v !== unknown);
  let best = unknown;
  let bestCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === unknown || (anySpine && !spine[i])) continue;
    let count = 0;
    for (let j = 0; j < values.length; j++) if (values[j] === v && (!anySpine || spine[j])) count++;
    if (count > bestCount) {
      best = v;
      bestCount = count;
    }
  }
  return best;
}

export function joinThroughKeys(keysByDataset: KeysByDataset, inputs: readonly JoinInput[]): JoinedCohort {
  const all = new Set<string>();
  for (const byRef of keysByDataset.values()) for (const k of byRef.values()) all.add(k);
  const keys = [...all].sort();
  const index = new Map(keys.map((k, i) => [k, i]));
  const n = keys.length;

  // Records with attributes, grouped by person (counting sort keeps input order within a person).
  const attr = inputs.filter((x) => x.attributes !== undefined);
  const persons = attr.map((x) => keyLookup(keysByDataset, x.dataset, x.attributes!.refs, index));
  const start = new Uint32Array(n + 1);
  for (const p of persons) for (const i of p) start[i + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const recDataset = new Uint16Array(start[n]!);
  const recRow = new Uint32Array(start[n]!);
  for (let d = 0; d < persons.length; d++) {
    const p = persons[d]!;
    for (let row = 0; row < p.length; row++) {
      const at = fill[p[row]!]!++;
      recDataset[at] = d;
      recRow[at] = row;
    }
  }

  const regions = new Interner();
  const regionMaps = attr.map((x) => x.attributes!.regions.map((r) => regions.id(r)));
  const people = {
    count: n,
    birthYear: new Int16Array(n),
    birthMonth: new Uint8Array(n),
    sex: new Uint8Array(n),
    region: new Uint16Array(n).fill(UNKNOWN_REGION),
    regions: regions.values,
    deceased: new Uint8Array(n),
    deathDay: new Int32Array(n).fill(-1),
    optedOut: new Uint8Array(n),
  } satisfies PeopleColumns;
  for (let p = 0; p < n; p++) {
    const spine: boolean[] = [];
    const pick = (
      get: (a: DatasetAttributes, row: number, d: number) => number,
      unknown: number,
      only?: (a: DatasetAttributes, row: number) => boolean,
    ): number => {
      const vals: number[] = [];
      spine.length = 0;
      for (let r = start[p]!; r < start[p + 1]!; r++) {
        const d = recDataset[r]!;
        const a = attr[d]!.attributes!;
        if (only !== undefined && !only(a, recRow[r]!)) continue;
        vals.push(get(a, recRow[r]!, d));
        spine.push(attr[d]!.role === 'spine');
      }
      return resolve(vals, spine, unknown);
    };
    if (start[p] === start[p + 1]) continue;
    people.birthYear[p] = pick((a, r) => a.birthYear[r]!, 0);
    people.birthMonth[p] = pick((a, r) => a.birthMonth[r]!, 0);
    people.sex[p] = pick((a, r) => a.sex[r]!, 0);
    people.region[p] = pick(
      (a, r, d) => (a.region[r] === UNKNOWN_REGION ? UNKNOWN_REGION : regionMaps[d]![a.region[r]!]!),
      UNKNOWN_REGION,
    );
    const dead = (a: DatasetAttributes, r: number): boolean => a.deceased[r] === 1;
    people.deceased[p] = pick((a, r) => a.deceased[r]!, 0, dead) === 1 ? 1 : 0;
    people.deathDay[p] = pick((a, r) => a.deathDay[r]!, -1, dead);
  }
  for (const x of inputs) {
    if (x.role !== 'optout') continue;
    const byRef = keysByDataset.get(x.dataset);
    if (byRef === undefined)
      throw new CohortlinkError('CL_CONFLICT', `opt-out dataset ${x.dataset} has no linkage keys`);
    for (const k of byRef.values()) people.optedOut[index.get(k)!] = 1;
  }
  return { people, events: joinEvents(keysByDataset, inputs, index, n), keys };
}

function joinEvents(
  keysByDataset: KeysByDataset,
  inputs: readonly JoinInput[],
  index: ReadonlyMap<string, number>,
  n: number,
): EventColumns {
  const ev = inputs.filter((x) => x.events !== undefined);
  const datasets = ev.map((x) => x.dataset);
  const codes = new Interner();
  const perRef = ev.map((x) => keyLookup(keysByDataset, x.dataset, x.events!.refs, index));
  const codeMaps = ev.map((x) => x.events!.codes.map((c) => codes.id(c)));
  const offsets = new Uint32Array(n + 1);
  ev.forEach((x, d) => {
    for (const r of x.events!.ref) offsets[perRef[d]![r]! + 1]!++;
  });
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const total = offsets[n]!;
  const out = {
    count: total,
    personOffsets: offsets,
    system: new Uint8Array(total),
    code: new Uint32Array(total),
    codes: codes.values,
    day: new Int32Array(total),
    dataset: new Uint16Array(total),
    datasets,
  } satisfies EventColumns;
  const fill = offsets.slice(0, n);
  ev.forEach((x, d) => {
    const e = x.events!;
    for (let i = 0; i < e.count; i++) {
      const at = fill[perRef[d]![e.ref[i]!]!]!++;
      out.system[at] = e.system[i]!;
      out.code[at] = codeMaps[d]![e.code[i]!]!;
      out.day[at] = e.day[i]!;
      out.dataset[at] = d;
    }
  });
  // Each person has a handful of events: an insertion sort by day per person is linear overall and stable.
  for (let p = 0; p < n; p++) {
    for (let i = offsets[p]! + 1; i < offsets[p + 1]!; i++) {
      const day = out.day[i]!;
      const [s, c, ds] = [out.system[i]!, out.code[i]!, out.dataset[i]!];
      let j = i - 1;
      while (j >= offsets[p]! && out.day[j]! > day) {
        out.day[j + 1] = out.day[j]!;
        out.system[j + 1] = out.system[j]!;
        out.code[j + 1] = out.code[j]!;
        out.dataset[j + 1] = out.dataset[j]!;
        j--;
      }
      out.day[j + 1] = day;
      out.system[j + 1] = s;
      out.code[j + 1] = c;
      out.dataset[j + 1] = ds;
    }
  }
  return out;
}
