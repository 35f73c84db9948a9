import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';

/** Folded text longer than this is rejected: no identifier is that long, and a whole file pasted into one cell should fail loudly. */
export const DEFAULT_MAX_TEXT_LENGTH = 512; // UTF-16 code units of the folded text

// Removed outright rather than spaced: they sit inside one word ("O'Brien", Catalan "Gal·la").
// U+00B4 must go before NFKD, which would otherwise split it into a space and a combining accent.
const APOSTROPHES = /[\u0027\u0060\u00B4\u00B7\u02B9\u02BB\u02BC\u02BD\u2018\u2019\u201B\u2032]/g;

// Letters that are not "letter + accent", so NFKD leaves them alone; transliterated the way
// UK registration clerks commonly type them.
const EXTRA_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  ŋ: 'n',
  ĸ: 'k',
  ƒ: 'f',
  ȷ: 'j',
};
const EXTRA_FOLD_CHARS = new RegExp(`[${Object.keys(EXTRA_FOLDS).join('')}]`, 'g');

const MARKS_AND_FORMAT = /[\p{M}\p{Cf}]/gu;
const DASHES = /[\p{Pd}\u2212]/gu;
// Everything else (punctuation, symbols, whitespace, controls) becomes one space per run.
const NOT_WORD = /[^\p{L}\p{N}-]+/gu;

/**
 * Folds text to a comparison form: no accents, lower case, dashes unified, apostrophes removed,
 * other punctuation as single spaces. Letters of other scripts are kept (lower-cased).
 */
export function foldText(raw: string): string {
  // NFKD runs twice: compatibility forms can decompose to upper case ("℡" → "TEL"), and
  // lower-casing can produce decomposable characters ("İ" → "i̇").
  return raw
    .replace(APOSTROPHES, '')
    .normalize('NFKD')
    .toLowerCase()
    .normalize('NFKD')
    .replace(EXTRA_FOLD_CHARS, (c) => EXTRA_FOLDS[c] ?? c)
    .replace(MARKS_AND_FORMAT, '')
    .replace(APOSTROPHES, '')
    .replace(DASHES, '-')
    .replace(NOT_WORD, ' ')
    .trim();
}

export function normaliseText(raw: string, opts: { readonly maxLength?: number } = {}): Normalised<string> {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_TEXT_LENGTH;
  if (isMissingMarker(raw)) return MISSING;
  // Bound the work before folding; folding can lengthen text (NFKD expands ligatures) but
  // rarely by more than this factor, and the folded length is checked again below.
  if (raw.length > maxLength * 4) return invalid('text_too_long');
  const folded = foldText(raw);
  if (folded.length > maxLength) return invalid('text_too_long');
  // Checked again after folding so that the canonical output of "None." is itself stable.
  if (isMissingMarker(folded)) return MISSING;
  return present(folded);
}
