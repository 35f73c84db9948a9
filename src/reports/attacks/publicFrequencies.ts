/**
 * The attacker's side knowledge: public frequency lists of first names and surnames. By default
 * they come from the generator's UK name model (datasets/names.ts, drawn through
 * datasets/population.ts with a seed of the attacker's own, so the list is like a census table:
 * the same distribution as the attacked population, not the same people); an operator can supply
 * a real list as CSV `value,count` instead.
 *
 * Values are keyed as the `uk` schema encodes them: the first part of the given name, and the
 * family name with its parts run together, both folded to a–z by the name normaliser.
 */
import { readFileSync } from 'node:fs';
import { csvParseRows } from 'd3-dsv';
import { NhsNumberSource } from '../../../datasets/ids.js';
import { type Person, PopulationGenerator } from '../../../datasets/population.js';
import { Rng } from '../../../datasets/rng.js';
import { normaliseName } from '../../encoding/normalise/name.js';
import { CohortlinkError } from '../../errors.js';

export type FrequencyList = readonly (readonly [value: string, count: number])[];

export interface PublicFrequencies {
  readonly firstName: FrequencyList;
  readonly surname: FrequencyList;
  /** Where the lists came from, for the report. */
  readonly source: string;
}

export type AttackedField = 'first name' | 'surname';

/** The key a given name is encoded under by the `uk` schema (its first part), or null. */
export function firstNameKey(raw: string): string | null {
  const n = normaliseName(raw, { role: 'given' });
  return n.kind === 'present' ? n.value.parts[0]! : null;
}

/** The key a family name is encoded under by the `uk` schema (its parts run together), or null. */
export function surnameKey(raw: string): string | null {
  const n = normaliseName(raw, { role: 'family' });
  return n.kind === 'present' ? n.value.parts.join('') : null;
}

/**
 * `people` people drawn as `cohortlink generate --seed <seed>` draws its spine population (the
 * same random streams), without writing any file.
 */
export function generatePeople(people: number, seed: number): Person[] {
  const generator = new PopulationGenerator(new Rng(seed, 1), new NhsNumberSource(new Rng(seed, 3)));
  const out: Person[] = [];
  let id = 0;
  while (out.length < people) out.push(...generator.household(people - out.length, () => ++id));
  return out;
}

function countsOf(values: Iterable<string | null>): [string, number][] {
  const m = new Map<string, number>();
  for (const v of values) if (v !== null) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

const censuses = new Map<string, PublicFrequencies>();

/**
 * The generator's name model as frequency lists (a census of `people` people drawn with `seed`),
 * made once per process: a 200,000-person census takes ~1.3 s and every privacy report wants it.
 */
export function generatorFrequencies(people = 200_000, seed = 0x7075626c): PublicFrequencies {
  const key = `${people}/${seed}`;
  let made = censuses.get(key);
  if (made === undefined) {
    made = census(people, seed);
    censuses.set(key, made);
  }
  return made;
}

function census(people: number, seed: number): PublicFrequencies {
  const ps = generatePeople(people, seed);
  return {
    firstName: countsOf(ps.map((p) => firstNameKey(p.given))),
    surname: countsOf(ps.map((p) => surnameKey(p.family))),
    source: `generator name model (datasets/names.ts), ${people.toLocaleString('en-GB')} people, seed ${seed}`,
  };
}

/** Sorted, normalised counts from a `value,count` CSV (a header line is skipped if its count is not a number). */
export function readFrequencyCsv(path: string, key: (raw: string) => string | null): [string, number][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read frequency list ${path}`, [], { cause: err });
  }
  const m = new Map<string, number>();
  for (const [i, row] of csvParseRows(text).entries()) {
    if (row.length < 2 || row[0]!.trim() === '') continue;
    const count = Number(row[1]);
    if (!Number.isFinite(count) || count < 0) {
      if (i === 0) continue;
      throw new CohortlinkError('CL_USAGE', `${path} line ${i + 1}: count is not a number`, []);
    }
    const k = key(row[0]!);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + count);
  }
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * An operator's list: `value,count` rows, used for both fields (a name list with first names and
 * surnames together is what most registers publish; each field's patterns are aligned with the
 * whole list).
 */
export function frequenciesFromCsv(path: string): PublicFrequencies {
  return {
    firstName: readFrequencyCsv(path, firstNameKey),
    surname: readFrequencyCsv(path, surnameKey),
    source: `frequency list ${path}`,
  };
}
