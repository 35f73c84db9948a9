import type { NhsNumberSource } from './ids.js';
import {
  BRITISH_GIVEN_COHORTS,
  BRITISH_SURNAMES,
  DOUBLE_BARRELLED_RATE,
  feminineSurname,
  ORIGIN_GIVEN,
  ORIGIN_GIVEN_RATE,
  ORIGIN_SURNAMES,
  ORIGIN_WEIGHTS,
  type Origin,
  RARE_GIVEN,
  RARE_GIVEN_RATE,
  SURNAME_PREFIXES,
  SURNAME_SUFFIXES,
  SURNAME_TAIL_RATE,
} from './names.js';
import { type RegionCode, randomHome } from './places.js';
import { type Rng, WeightedTable, zipf } from './rng.js';

export type Sex = 'M' | 'F' | 'I';

/** One person as the spine holds them: clean, canonical values. */
export interface Person {
  readonly personId: number;
  readonly nhsNumber: string;
  readonly given: string;
  /** Second given name, or '' (about 40% have one). */
  readonly middle: string;
  readonly family: string;
  readonly sex: Sex;
  readonly dobY: number;
  readonly dobM: number;
  readonly dobD: number;
  readonly postcode: string;
  readonly address: string;
  readonly region: RegionCode;
}

/** Ages are measured on 1 January of this year, so output never depends on the clock. */
export const REFERENCE_YEAR = 2025;
const MIDDLE_NAME_RATE = 0.4;
const INDETERMINATE_SEX_RATE = 0.0005;

/** UK population by five-year band (thousands, rounded mid-2020s shape); the last band is age 100. */
const AGE_BANDS = [
  3900, 4100, 4000, 3800, 4000, 4400, 4600, 4400, 4200, 4300, 4600, 4500, 3900, 3400, 3300, 2400, 1600, 900,
  400, 110, 15,
];
const ageTable = (lo: number, hi: number): WeightedTable<number> => {
  const entries: [number, number][] = [];
  for (let age = lo; age <= hi; age++) entries.push([age, AGE_BANDS[Math.floor(age / 5)]! / 5]);
  return new WeightedTable(entries);
};
const ADULT_AGES = ageTable(18, 100);
const YOUNG_AGES = ageTable(0, 24);

const ORIGINS = new WeightedTable(ORIGIN_WEIGHTS);
const table = (names: readonly string[], s = 0.9): WeightedTable<string> => new WeightedTable(zipf(names, s));
const COHORT_TABLES = BRITISH_GIVEN_COHORTS.map((c) => ({
  until: c.until,
  male: table(c.male),
  female: table(c.female),
}));
const RARE_TABLES = { male: table(RARE_GIVEN.male, 0.5), female: table(RARE_GIVEN.female, 0.5) };
const ORIGIN_GIVEN_TABLES = Object.fromEntries(
  Object.entries(ORIGIN_GIVEN).map(([o, lists]) => [
    o,
    { male: table(lists.male), female: table(lists.female) },
  ]),
) as Record<Exclude<Origin, 'british'>, { male: WeightedTable<string>; female: WeightedTable<string> }>;
const BRITISH_SURNAME_TABLE = table(BRITISH_SURNAMES, 0.8);
const ORIGIN_SURNAME_TABLES = Object.fromEntries(
  Object.entries(ORIGIN_SURNAMES).map(([o, list]) => [o, table(list, 0.8)]),
) as Record<Exclude<Origin, 'british'>, WeightedTable<string>>;

/** Prefix + suffix, without doubled letters at the joint (West + ton → Weston) or Woodwood. */
function tailSurname(rng: Rng): string {
  for (;;) {
    const prefix = rng.pick(SURNAME_PREFIXES);
    const suffix = rng.pick(SURNAME_SUFFIXES);
    if (prefix.toLowerCase() === suffix) continue;
    return prefix.endsWith(suffix[0]!) ? prefix + suffix.slice(1) : prefix + suffix;
  }
}

/** A surname for someone of `origin` (British names include a long tail of rarer toponymics). */
export function sampleSurname(rng: Rng, origin: Origin): string {
  if (origin !== 'british') return ORIGIN_SURNAME_TABLES[origin].sample(rng);
  if (rng.chance(SURNAME_TAIL_RATE)) return tailSurname(rng);
  return BRITISH_SURNAME_TABLE.sample(rng);
}

/** A family name as a household founder carries it: ~1% double-barrelled. */
function sampleFamilyName(rng: Rng, origin: Origin): string {
  const name = sampleSurname(rng, origin);
  if (!rng.chance(DOUBLE_BARRELLED_RATE)) return name;
  const second = sampleSurname(rng, 'british');
  return second === name ? name : `${name}-${second}`;
}

function sampleGiven(rng: Rng, origin: Origin, sex: Sex, birthYear: number): string {
  const female = sex === 'F' || (sex === 'I' && rng.chance(0.5));
  if (origin !== 'british' && rng.chance(ORIGIN_GIVEN_RATE)) {
    const t = ORIGIN_GIVEN_TABLES[origin];
    return (female ? t.female : t.male).sample(rng);
  }
  if (rng.chance(RARE_GIVEN_RATE)) return (female ? RARE_TABLES.female : RARE_TABLES.male).sample(rng);
  const cohort = COHORT_TABLES.find((c) => birthYear <= c.until) ?? COHORT_TABLES[COHORT_TABLES.length - 1]!;
  return (female ? cohort.female : cohort.male).sample(rng);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
export const daysInMonth = (y: number, m: number): number =>
  m === 2 && isLeapYear(y) ? 29 : MONTH_DAYS[m - 1]!;

function randomSex(rng: Rng): Sex {
  if (rng.chance(INDETERMINATE_SEX_RATE)) return 'I';
  return rng.chance(0.5) ? 'M' : 'F';
}

const opposite = (s: Sex): Sex => (s === 'M' ? 'F' : s === 'F' ? 'M' : 'F');

function householdSize(rng: Rng, headAge: number): number {
  const u = rng.float();
  if (headAge >= 70) return u < 0.55 ? 1 : 2;
  if (headAge < 25) return u < 0.4 ? 1 : u < 0.75 ? 2 : u < 0.9 ? 3 : 4;
  return u < 0.25 ? 1 : u < 0.58 ? 2 : u < 0.76 ? 3 : u < 0.92 ? 4 : 5;
}

interface Draft {
  sex: Sex;
  age: number;
  family: string;
  origin: Origin;
}

/**
 * Generates people a household at a time: 1–5 people sharing a postcode and address, usually a
 * family name (partners share it 75% of the time, children 85%), with ages that make sense
 * together and an overall UK-shaped age pyramid.
 */
export class PopulationGenerator {
  constructor(
    private readonly rng: Rng,
    private readonly nhs: NhsNumberSource,
  ) {}

  /** Up to `maxSize` people of one household; `nextPersonId` numbers them. */
  household(maxSize: number, nextPersonId: () => number): Person[] {
    const rng = this.rng;
    const headAge = ADULT_AGES.sample(rng);
    const size = Math.min(maxSize, householdSize(rng, headAge));
    const origin = ORIGINS.sample(rng);
    const home = randomHome(rng);
    const head: Draft = { sex: randomSex(rng), age: headAge, family: sampleFamilyName(rng, origin), origin };
    const drafts: Draft[] = [head];
    let partner: Draft | undefined;
    if (size >= 2) {
      const sharers = headAge < 35 && rng.chance(0.3);
      if (sharers) {
        for (let i = 1; i < size; i++) {
          const o = rng.chance(0.7) ? origin : ORIGINS.sample(rng);
          const age = Math.max(18, headAge + rng.range(-4, 4));
          drafts.push({ sex: randomSex(rng), age, family: sampleFamilyName(rng, o), origin: o });
        }
      } else {
        const o = rng.chance(0.85) ? origin : 'british';
        const sex = rng.chance(0.95) ? opposite(head.sex) : head.sex;
        const family = rng.chance(0.75) ? head.family : sampleFamilyName(rng, o);
        partner = { sex, age: Math.min(100, Math.max(18, headAge + rng.range(-6, 6))), family, origin: o };
        drafts.push(partner);
      }
    }
    const maxChildAge = Math.min(24, headAge - 17);
    while (drafts.length < size) {
      let age = YOUNG_AGES.sample(rng);
      while (age > maxChildAge) age = YOUNG_AGES.sample(rng);
      const family = partner !== undefined && rng.chance(0.15) ? partner.family : head.family;
      drafts.push({ sex: randomSex(rng), age, family, origin: head.origin });
    }
    return drafts.map((d) => this.person(d, home, nextPersonId()));
  }

  private person(d: Draft, home: ReturnType<typeof randomHome>, personId: number): Person {
    const rng = this.rng;
    const dobY = REFERENCE_YEAR - 1 - d.age;
    let dobM = 1 + rng.int(12);
    let dobD = 1 + rng.int(31);
    while (dobD > daysInMonth(dobY, dobM)) {
      dobM = 1 + rng.int(12);
      dobD = 1 + rng.int(31);
    }
    const given = sampleGiven(rng, d.origin, d.sex, dobY);
    let middle = '';
    if (rng.chance(MIDDLE_NAME_RATE)) {
      middle = sampleGiven(rng, d.origin, d.sex, dobY);
      if (middle === given) middle = sampleGiven(rng, d.origin, d.sex, dobY);
      if (middle === given) middle = '';
    }
    const family = d.origin === 'polish' && d.sex === 'F' ? feminineSurname(d.family) : d.family;
    return {
      personId,
      nhsNumber: this.nhs.next(),
      given,
      middle,
      family,
      sex: d.sex,
      dobY,
      dobM,
      dobD,
      postcode: home.postcode,
      address: home.address,
      region: home.region,
    };
  }
}

/** Age in whole years on the reference date (1 January REFERENCE_YEAR). */
export function ageOf(p: { readonly dobY: number }): number {
  return REFERENCE_YEAR - 1 - p.dobY;
}
