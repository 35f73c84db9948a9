import type { FormatName } from './config.js';
import type { DerivedRecord } from './corruptRecord.js';
import { csvField } from './csvWriter.js';
import type { Person } from './population.js';

/**
 * How each kind of data holder writes the same identifiers. The spine is clean and canonical;
 * derived datasets differ in date, postcode, NHS number, sex and name conventions, as real
 * extracts do, so a linker has to normalise before it compares. Missing values are ''.
 */

export const SPINE_HEADER =
  'spine_ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,address_line,region\n';
export const TRUTH_HEADER = 'person_id,dataset,ref\n';
export const derivedHeader = (dataset: string): string =>
  `${dataset}_ref,nhs_number,given_name,family_name,date_of_birth,sex,postcode,address_line\n`;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const fullGiven = (given: string, middle: string): string => (middle === '' ? given : `${given} ${middle}`);

/** The spine row: ISO date, canonical postcode, 10-digit NHS number, M/F/I, all given names. */
export function spineRow(ref: string, p: Person): string {
  return (
    `${ref},${p.nhsNumber},${csvField(fullGiven(p.given, p.middle))},${csvField(p.family)},` +
    `${p.dobY}-${pad2(p.dobM)}-${pad2(p.dobD)},${p.sex},${p.postcode},${csvField(p.address)},${p.region}\n`
  );
}

interface Style {
  nhs(n: string): string;
  date(r: DerivedRecord): string;
  sex(s: DerivedRecord['sex']): string;
  postcode(pc: string): string;
  given(r: DerivedRecord): string;
  family(f: string): string;
}

const spaced = (n: string): string => `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`;
const upperNoSpace = (pc: string): string => pc.replace(/ /g, '').toUpperCase();

const STYLES: Record<FormatName, Style> = {
  /** dd/mm/yyyy, 'sw1a1aa', '943 476 5919', Male/Female, first given name only. */
  hospital: {
    nhs: (n) => (n.length === 10 ? spaced(n) : n),
    date: (r) => `${pad2(r.dobD)}/${pad2(r.dobM)}/${r.dobY}`,
    sex: (s) => (s === 'M' ? 'Male' : s === 'F' ? 'Female' : s === 'I' ? 'Indeterminate' : ''),
    postcode: (pc) => pc.replace(/ /g, '').toLowerCase(),
    given: (r) => r.given,
    family: (f) => f,
  },
  /** yyyymmdd, upper-case names, all given names, 'SW1A 1AA', plain NHS number, sex 1/2/9 (NHS data dictionary). */
  registry: {
    nhs: (n) => n,
    date: (r) => `${r.dobY}${pad2(r.dobM)}${pad2(r.dobD)}`,
    sex: (s) => (s === 'M' ? '1' : s === 'F' ? '2' : s === 'I' ? '9' : ''),
    postcode: (pc) => pc.toUpperCase(),
    given: (r) => fullGiven(r.given, r.middle).toUpperCase(),
    family: (f) => f.toUpperCase(),
  },
  /** dd-Mon-yyyy, '943-476-5919', M/F/I, all given names, postcode as entered. */
  gp: {
    nhs: (n) => (n.length === 10 ? `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}` : n),
    date: (r) => `${pad2(r.dobD)}-${MONTHS[r.dobM - 1]}-${r.dobY}`,
    sex: (s) => s,
    postcode: (pc) => pc,
    given: (r) => fullGiven(r.given, r.middle),
    family: (f) => f,
  },
  /** ISO dates, 'SW1A1AA', male/female, first given name and middle initial. */
  trial: {
    nhs: (n) => n,
    date: (r) => `${r.dobY}-${pad2(r.dobM)}-${pad2(r.dobD)}`,
    sex: (s) => (s === 'M' ? 'male' : s === 'F' ? 'female' : s === 'I' ? 'indeterminate' : ''),
    postcode: upperNoSpace,
    given: (r) => (r.middle === '' ? r.given : `${r.given} ${r.middle[0]}`),
    family: (f) => f,
  },
};

export type RowFormatter = (ref: string, r: DerivedRecord) => string;

/** The row writer for one derived dataset in the given style. */
export function derivedRowFormatter(format: FormatName): RowFormatter {
  const s = STYLES[format];
  return (ref, r) =>
    `${ref},${s.nhs(r.nhs)},${csvField(r.given === '' ? '' : s.given(r))},${csvField(s.family(r.family))},` +
    `${r.dobD === 0 ? '' : s.date(r)},${s.sex(r.sex)},${csvField(s.postcode(r.postcode))},${csvField(r.address)}\n`;
}
