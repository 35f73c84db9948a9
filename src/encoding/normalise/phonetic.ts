import { foldText } from './text.js';

/**
 * Phonetic codes for blocking keys. Both take any string: it is folded first ("Müller" codes
 * like "Muller") and everything but a–z is ignored, so "O'Brien-Smith" codes as "obriensmith".
 * Callers who want one code per name part should split first.
 */

function lettersOf(s: string): string {
  return foldText(s).replace(/[^a-z]/g, '');
}

// Index = letter − 'a'. '0' marks vowels and Y, which separate equal codes; '' marks H and W, which do not.
const SOUNDEX_CODES = [
  '0',
  '1',
  '2',
  '3',
  '0',
  '1',
  '2',
  '',
  '0',
  '2',
  '2',
  '4',
  '5',
  '5',
  '0',
  '1',
  '2',
  '6',
  '2',
  '3',
  '0',
  '1',
  '',
  '2',
  '0',
  '2',
];

/** American Soundex: first letter and three digits ('R163'); '' when there are no letters. */
export function soundex(s: string): string {
  const letters = lettersOf(s);
  if (letters === '') return '';
  let out = letters.charAt(0).toUpperCase();
  let previous = SOUNDEX_CODES[letters.charCodeAt(0) - 97] as string;
  for (let i = 1; i < letters.length && out.length < 4; i++) {
    const code = SOUNDEX_CODES[letters.charCodeAt(i) - 97] as string;
    // H and W are transparent: the consonants either side of them merge if they share a code.
    if (code === '') continue;
    if (code !== '0' && code !== previous) out += code;
    previous = code;
  }
  return out.padEnd(4, '0');
}

const VOWELS = new Set(['A', 'E', 'I', 'O', 'U']);
const isVowel = (c: string | undefined): boolean => c !== undefined && VOWELS.has(c);

export const NYSIIS_MAX_LENGTH = 6; // as in the original 1970 specification

/** NYSIIS (Taft 1970, original rules), truncated to six characters; '' when there are no letters. */
export function nysiis(s: string): string {
  let name = lettersOf(s).toUpperCase();
  if (name === '') return '';

  if (name.startsWith('MAC')) name = `MCC${name.slice(3)}`;
  else if (name.startsWith('KN')) name = `NN${name.slice(2)}`;
  else if (name.startsWith('K')) name = `C${name.slice(1)}`;
  else if (name.startsWith('PH') || name.startsWith('PF')) name = `FF${name.slice(2)}`;
  else if (name.startsWith('SCH')) name = `SSS${name.slice(3)}`;

  if (name.endsWith('EE') || name.endsWith('IE')) name = `${name.slice(0, -2)}Y`;
  else if (/(?:DT|RT|RD|NT|ND)$/.test(name)) name = `${name.slice(0, -2)}D`;

  // The rules rewrite the name in place and later rules look at the rewritten neighbours
  // (e.g. H after a vowel that has already become A), so work on a mutable array.
  const c = name.split('');
  let key = c[0] as string;
  for (let i = 1; i < c.length; i++) {
    const ch = c[i] as string;
    if (isVowel(ch)) {
      if (ch === 'E' && c[i + 1] === 'V') c[i + 1] = 'F';
      c[i] = 'A';
    } else if (ch === 'Q') c[i] = 'G';
    else if (ch === 'Z') c[i] = 'S';
    else if (ch === 'M') c[i] = 'N';
    else if (ch === 'K') c[i] = c[i + 1] === 'N' ? 'N' : 'C';
    else if (ch === 'S' && c[i + 1] === 'C' && c[i + 2] === 'H') {
      c[i + 1] = 'S';
      c[i + 2] = 'S';
    } else if (ch === 'P' && c[i + 1] === 'H') {
      c[i] = 'F';
      c[i + 1] = 'F';
    } else if (ch === 'H' && (!isVowel(c[i - 1]) || !isVowel(c[i + 1]))) c[i] = c[i - 1] as string;
    else if (ch === 'W' && isVowel(c[i - 1])) c[i] = c[i - 1] as string;
    const current = c[i] as string;
    if (current !== key.charAt(key.length - 1)) key += current;
  }

  // End rules keep at least the first letter, so a one-letter name still has a code.
  if (key.length > 1 && key.endsWith('S')) key = key.slice(0, -1);
  if (key.length > 2 && key.endsWith('AY')) key = `${key.slice(0, -2)}Y`;
  if (key.length > 1 && key.endsWith('A')) key = key.slice(0, -1);
  return key.slice(0, NYSIIS_MAX_LENGTH);
}
