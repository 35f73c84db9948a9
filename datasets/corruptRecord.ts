import { RATE_KINDS, type RateKind, type Rates } from './config.js';
import {
  dateTypo,
  keyboardTypo,
  mistypeNhsNumber,
  nicknameFor,
  ocrError,
  phoneticVariant,
  swapDayMonth,
} from './corruption.js';
import { randomHome } from './places.js';
import { ageOf, type Person, type Sex, sampleSurname } from './population.js';
import type { Rng } from './rng.js';

/** A derived dataset's record before formatting: canonical shapes, possibly corrupted values. */
export interface DerivedRecord {
  nhs: string;
  given: string;
  middle: string;
  family: string;
  sex: Sex | '';
  /** 0/0/0 when the date of birth is missing. */
  dobY: number;
  dobM: number;
  dobD: number;
  postcode: string;
  address: string;
}

export type TextField = 'given_name' | 'family_name' | 'postcode' | 'address_line';
const TEXT_FIELDS: readonly TextField[] = ['given_name', 'family_name', 'postcode', 'address_line'];
/** Which fields the text corruptions hit, with relative weights. */
const FIELD_WEIGHTS = {
  keyboardTypo: [0.35, 0.35, 0.15, 0.15],
  ocr: [0.3, 0.3, 0.2, 0.2],
  phonetic: [0.5, 0.5, 0, 0],
} as const;
type TextKind = keyof typeof FIELD_WEIGHTS;

/** Per-dataset counts of what was actually applied (a kind that could not apply is not counted). */
export class CorruptionTally {
  readonly counts = Object.fromEntries(RATE_KINDS.map((k) => [k, 0])) as Record<RateKind, number>;
  readonly byField = Object.fromEntries(
    Object.keys(FIELD_WEIGHTS).map((k) => [k, Object.fromEntries(TEXT_FIELDS.map((f) => [f, 0]))]),
  ) as Record<TextKind, Record<TextField, number>>;
  /** Records by number of corruption kinds applied: 0, 1, 2, 3 or more. */
  readonly perRecord = [0, 0, 0, 0];
  records = 0;
  heavyRegionRecords = 0;
}

const getField = (r: DerivedRecord, f: TextField): string =>
  f === 'given_name' ? r.given : f === 'family_name' ? r.family : f === 'postcode' ? r.postcode : r.address;

function setField(r: DerivedRecord, f: TextField, v: string): void {
  if (f === 'given_name') r.given = v;
  else if (f === 'family_name') r.family = v;
  else if (f === 'postcode') r.postcode = v;
  else r.address = v;
}

/** A non-empty field for a text corruption, chosen by weight; null when all candidates are empty. */
function chooseField(rng: Rng, r: DerivedRecord, kind: TextKind): TextField | null {
  const weights = FIELD_WEIGHTS[kind];
  let total = 0;
  for (let i = 0; i < 4; i++) if (getField(r, TEXT_FIELDS[i]!) !== '') total += weights[i]!;
  if (total === 0) return null;
  let x = rng.float() * total;
  for (let i = 0; i < 4; i++) {
    if (getField(r, TEXT_FIELDS[i]!) === '') continue;
    x -= weights[i]!;
    if (x < 0 || i === 3) return TEXT_FIELDS[i]!;
  }
  return null;
}

/**
 * Copies a person into a derived record and applies each corruption kind with its rate. Missing
 * values are decided first and exclude every other corruption of that field, so counts match
 * the file exactly (e.g. empty NHS numbers = counts.nhsMissing).
 */
export function corruptRecord(rng: Rng, p: Person, rates: Rates, tally: CorruptionTally): DerivedRecord {
  const r: DerivedRecord = {
    nhs: p.nhsNumber,
    given: p.given,
    middle: p.middle,
    family: p.family,
    sex: p.sex,
    dobY: p.dobY,
    dobM: p.dobM,
    dobD: p.dobD,
    postcode: p.postcode,
    address: p.address,
  };
  const counts = tally.counts;
  let applied = 0;
  const hit = (kind: RateKind): void => {
    counts[kind]++;
    applied++;
  };

  if (rng.chance(rates.nhsMissing)) {
    r.nhs = '';
    hit('nhsMissing');
  }
  if (rng.chance(rates.givenMissing)) {
    r.given = '';
    r.middle = '';
    hit('givenMissing');
  }
  if (rng.chance(rates.familyMissing)) {
    r.family = '';
    hit('familyMissing');
  }
  if (rng.chance(rates.dobMissing)) {
    r.dobY = r.dobM = r.dobD = 0;
    hit('dobMissing');
  }
  if (rng.chance(rates.sexMissing)) {
    r.sex = '';
    hit('sexMissing');
  }
  if (rng.chance(rates.postcodeMissing)) {
    r.postcode = '';
    hit('postcodeMissing');
  }
  if (rng.chance(rates.addressMissing)) {
    r.address = '';
    hit('addressMissing');
  }

  if (rng.chance(rates.nhsTypo) && r.nhs !== '') {
    r.nhs = mistypeNhsNumber(rng, r.nhs);
    hit('nhsTypo');
  }
  if (rng.chance(rates.moved) && (r.postcode !== '' || r.address !== '')) {
    const home = randomHome(rng);
    if (r.postcode !== '') r.postcode = home.postcode;
    if (r.address !== '') r.address = home.address;
    hit('moved');
  }
  if (rng.chance(rates.marriedName) && p.sex === 'F' && ageOf(p) >= 18 && r.family !== '') {
    let name = sampleSurname(rng, rng.chance(0.8) ? 'british' : 'irish');
    if (name === r.family) name = sampleSurname(rng, 'british');
    if (name !== r.family) {
      r.family = rng.chance(0.1) ? `${r.family}-${name}` : name;
      hit('marriedName');
    }
  }
  if (rng.chance(rates.nickname) && r.given !== '') {
    const nick = nicknameFor(rng, r.given);
    if (nick !== null) {
      r.given = nick;
      hit('nickname');
    }
  }
  textCorruption(rng, r, 'phonetic', rates.phonetic, tally, hit);
  textCorruption(rng, r, 'keyboardTypo', rates.keyboardTypo, tally, hit);
  textCorruption(rng, r, 'ocr', rates.ocr, tally, hit);
  if (rng.chance(rates.nameSwap) && r.given !== '' && r.family !== '') {
    const given = r.given;
    r.given = r.family;
    r.family = given;
    r.middle = '';
    hit('nameSwap');
  }
  if (rng.chance(rates.dayMonthSwap) && r.dobD !== 0) {
    const swapped = swapDayMonth({ y: r.dobY, m: r.dobM, d: r.dobD });
    if (swapped !== null) {
      r.dobM = swapped.m;
      r.dobD = swapped.d;
      hit('dayMonthSwap');
    }
  }
  if (rng.chance(rates.dateTypo) && r.dobD !== 0) {
    const typo = dateTypo(rng, { y: r.dobY, m: r.dobM, d: r.dobD });
    r.dobY = typo.y;
    r.dobM = typo.m;
    r.dobD = typo.d;
    hit('dateTypo');
  }
  tally.records++;
  tally.perRecord[Math.min(3, applied)]!++;
  return r;
}

function textCorruption(
  rng: Rng,
  r: DerivedRecord,
  kind: TextKind,
  rate: number,
  tally: CorruptionTally,
  hit: (kind: RateKind) => void,
): void {
  if (!rng.chance(rate)) return;
  const field = chooseField(rng, r, kind);
  if (field === null) return;
  const before = getField(r, field);
  const after =
    kind === 'keyboardTypo'
      ? keyboardTypo(rng, before)
      : kind === 'ocr'
        ? ocrError(rng, before)
        : phoneticVariant(rng, before);
  if (after === null || after === before) return;
  setField(r, field, after);
  tally.byField[kind][field]++;
  hit(kind);
}
