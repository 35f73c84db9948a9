import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';

/** M male, F female, I indeterminate / other. */
export type Sex = 'M' | 'F' | 'I';

export interface SexOptions {
  /**
   * What the code 'X' means. Passports and many forms use it for "other / unspecified"
   * ('indeterminate', the default); the NHS Data Dictionary's PERSON STATED GENDER CODE uses
   * it for "not known (not recorded)" ('missing'). Pick per source: treating "not recorded" as
   * indeterminate would make unrelated unrecorded people agree on sex.
   */
  readonly xMeans?: 'indeterminate' | 'missing';
}

// null = a recognised way of saying "not known", which is missing rather than invalid.
const CODES: ReadonlyMap<string, Sex | null> = new Map<string, Sex | null>([
  ['m', 'M'],
  ['male', 'M'],
  ['man', 'M'],
  ['1', 'M'], // NHS PERSON STATED GENDER CODE
  ['f', 'F'],
  ['female', 'F'],
  ['woman', 'F'],
  ['2', 'F'],
  ['9', 'I'],
  ['i', 'I'],
  ['indeterminate', 'I'],
  ['other', 'I'],
  ['intersex', 'I'],
  ['0', null],
  ['u', null],
  ['unknown', null],
  ['not known', null],
  ['not specified', null],
]);

export function normaliseSex(raw: string, opts: SexOptions = {}): Normalised<Sex> {
  if (isMissingMarker(raw)) return MISSING;
  // Codes are short; a long value cannot match and is not worth case-folding.
  if (raw.length > 64) return invalid('sex_unknown_code');
  const key = raw.trim().replace(/\s+/g, ' ').toLowerCase();
  if (key === 'x') return (opts.xMeans ?? 'indeterminate') === 'indeterminate' ? present('I') : MISSING;
  const sex = CODES.get(key);
  if (sex === undefined) return invalid('sex_unknown_code');
  return sex === null ? MISSING : present(sex);
}
