import { CODE_SYSTEMS, type EventColumns, type PeopleColumns } from '../../../src/cohort/people.js';

/** Test populations written as plain objects, turned into the shared columnar contract. */
export interface TestEvent {
  readonly system: number;
  /** Already normalised, as the attribute columns store it. */
  readonly code: string;
  readonly day: number;
  readonly dataset: number;
}

export interface TestPerson {
  readonly birthYear: number;
  readonly birthMonth: number;
  readonly sex: number;
  readonly region: number;
  readonly deceased: number;
  readonly optedOut: number;
  readonly events: readonly TestEvent[];
}

export const UNKNOWN_REGION = 0xffff;

export function buildColumns(
  persons: readonly TestPerson[],
  regions: readonly string[],
  datasets: readonly string[],
): { people: PeopleColumns; events: EventColumns } {
  const n = persons.length;
  const people: PeopleColumns = {
    count: n,
    birthYear: Int16Array.from(persons, (p) => p.birthYear),
    birthMonth: Uint8Array.from(persons, (p) => p.birthMonth),
    sex: Uint8Array.from(persons, (p) => p.sex),
    region: Uint16Array.from(persons, (p) => p.region),
    regions,
    deceased: Uint8Array.from(persons, (p) => p.deceased),
    deathDay: Int32Array.from(persons, (p) => (p.deceased ? 19_000 : -1)),
    optedOut: Uint8Array.from(persons, (p) => p.optedOut),
  };
  // Interned per system, as the contract allows: the same string in two systems is two codes,
  // so a match on the string alone (ignoring the system) would be caught by the tests.
  const codes: string[] = [];
  const interned = new Map<string, number>();
  const intern = (system: number, code: string): number => {
    const key = `${system}:${code}`;
    let i = interned.get(key);
    if (i === undefined) {
      i = codes.length;
      codes.push(code);
      interned.set(key, i);
    }
    return i;
  };
  const all = persons.flatMap((p, person) =>
    [...p.events].sort((a, b) => a.day - b.day).map((e) => ({ ...e, person })),
  );
  const personOffsets = new Uint32Array(n + 1);
  for (const e of all) personOffsets[e.person + 1]!++;
  for (let p = 0; p < n; p++) personOffsets[p + 1]! += personOffsets[p]!;
  const events: EventColumns = {
    count: all.length,
    personOffsets,
    system: Uint8Array.from(all, (e) => e.system),
    code: Uint32Array.from(all, (e) => intern(e.system, e.code)),
    codes,
    day: Int32Array.from(all, (e) => e.day),
    dataset: Uint16Array.from(all, (e) => e.dataset),
    datasets,
  };
  return { people, events };
}

export const SYSTEM = (name: (typeof CODE_SYSTEMS)[number]): number => CODE_SYSTEMS.indexOf(name);
