import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';
import { normaliseText } from './text.js';

export interface NameValue {
  /** Parts joined by single spaces: only a–z and spaces. */
  readonly text: string;
  readonly parts: readonly string[];
}

/**
 * Which field the name came from. Leading titles are stripped from 'given' and 'full' names,
 * trailing generational suffixes from 'family' and 'full' names, so that real surnames such as
 * "Lord-Smith" keep their first part.
 */
export type NameRole = 'given' | 'family' | 'full';

export interface NameOptions {
  readonly role?: NameRole;
}

export const DEFAULT_MAX_NAME_LENGTH = 256; // UTF-16 code units of the folded name

const TITLES: ReadonlySet<string> = new Set([
  'mr',
  'mrs',
  'ms',
  'miss',
  'mx',
  'master',
  'mstr',
  'dr',
  'prof',
  'sir',
  'dame',
  'lady',
  'lord',
  'rev',
  'revd',
  'fr',
]);
const SUFFIXES: ReadonlySet<string> = new Set(['jr', 'jnr', 'sr', 'snr', 'ii', 'iii', 'iv']);

const HAS_DIGIT = /\p{N}/u;
const ONLY_LATIN = /^[a-z]+$/;

export function normaliseName(raw: string, opts: NameOptions = {}): Normalised<NameValue> {
  const role = opts.role ?? 'full';
  const folded = normaliseText(raw, { maxLength: DEFAULT_MAX_NAME_LENGTH });
  if (folded.kind !== 'present') return folded;
  if (HAS_DIGIT.test(folded.value)) return invalid('name_has_digits');

  // Hyphens and spaces both separate parts: "Smith-Jones" and "Smith Jones" must agree.
  const parts = folded.value.split(/[ -]+/).filter((p) => p !== '');
  // Rejected rather than dropped: deleting letters of another script would make different
  // people look alike, and encoders downstream assume a–z.
  if (!parts.every((p) => ONLY_LATIN.test(p))) return invalid('name_unsupported_chars');

  // Loops, not single checks, so that the output is a fixed point ("Dr Mr X" → "x", not "mr x").
  let start = 0;
  let end = parts.length;
  if (role !== 'family') {
    while (end - start > 1 && TITLES.has(parts[start] as string)) start++;
  }
  if (role !== 'given') {
    while (end - start > 1 && SUFFIXES.has(parts[end - 1] as string)) end--;
  }
  const kept = parts.slice(start, end);
  if (kept.length === 0) return MISSING;
  const text = kept.join(' ');
  // "Mr None" would otherwise be present as 'none' yet missing when normalised again.
  if (isMissingMarker(text)) return MISSING;
  return present({ text, parts: kept });
}

/** First letter of the name, for initial-based blocking and comparison. */
export function nameInitial(v: NameValue): string {
  return v.text.charAt(0);
}
