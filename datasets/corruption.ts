import { nhsCheckDigit } from './ids.js';
import { NICKNAMES } from './nicknames.js';
import { daysInMonth, REFERENCE_YEAR } from './population.js';
import type { Rng } from './rng.js';

/**
 * The corruption kinds, FEBRL/GeCo style: each is a pure function of (rng, value) → value that
 * makes one realistic error. Functions return null when the kind cannot apply to the value (no
 * nickname for "Zoë", no day/month swap for the 25th), so callers count only what was applied.
 */

/** Neighbouring keys on a UK QWERTY keyboard (letters and the digit row). */
// biome-ignore format: keyboard layout
const QWERTY: Readonly<Record<string, string>> = {
  q: 'wa', w: 'qeas', e: 'wrds', r: 'etdf', t: 'ryfg', y: 'tugh', u: 'yihj', i: 'uojk', o: 'ipkl', p: 'ol',
  a: 'qwsz', s: 'awedxz', d: 'serfcx', f: 'drtgvc', g: 'ftyhbv', h: 'gyujnb', j: 'huikmn', k: 'jiolm',
  l: 'kop', z: 'asx', x: 'zsdc', c: 'xdfv', v: 'cfgb', b: 'vghn', n: 'bhjm', m: 'njk',
  '1': '2q', '2': '13w', '3': '24e', '4': '35r', '5': '46t', '6': '57y', '7': '68u', '8': '79i', '9': '80o',
  '0': '9p',
};

function neighbour(rng: Rng, ch: string): string | null {
  const lower = ch.toLowerCase();
  const keys = QWERTY[lower];
  if (keys === undefined) return null;
  const n = keys[rng.int(keys.length)]!;
  return ch === lower ? n : n.toUpperCase();
}

/** Index of a position (scanning from a random start) whose character satisfies `ok`, or -1. */
function findFrom(rng: Rng, length: number, ok: (i: number) => boolean): number {
  const start = rng.int(length);
  for (let k = 0; k < length; k++) {
    const i = (start + k) % length;
    if (ok(i)) return i;
  }
  return -1;
}

export type TypoOperation = 'substitute' | 'insert' | 'delete' | 'transpose';

/**
 * One keyboard slip: a QWERTY-neighbour substitution, an inserted neighbouring key, a deleted
 * character or two adjacent characters transposed. Exactly one edit (Damerau–Levenshtein
 * distance 1) for any non-empty input; '' is returned unchanged.
 */
export function keyboardTypo(rng: Rng, s: string, op?: TypoOperation): string {
  if (s.length === 0) return s;
  const u = rng.float();
  let kind: TypoOperation =
    op ?? (u < 0.4 ? 'substitute' : u < 0.6 ? 'insert' : u < 0.85 ? 'delete' : 'transpose');
  if (kind === 'delete' && s.length < 2) kind = 'insert';
  if (kind === 'transpose') {
    const i = findFrom(rng, s.length - 1, (j) => s[j] !== s[j + 1]);
    if (i >= 0) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
    kind = 'substitute';
  }
  if (kind === 'substitute') {
    const i = findFrom(rng, s.length, (j) => QWERTY[s[j]!.toLowerCase()] !== undefined);
    if (i >= 0) return s.slice(0, i) + neighbour(rng, s[i]!) + s.slice(i + 1);
    kind = 'insert';
  }
  if (kind === 'insert') {
    // A finger catching the next key: a neighbour of the character before the insertion point,
    // or a doubled character when that one is not on the map.
    const i = 1 + rng.int(s.length);
    const prev = s[i - 1]!;
    return s.slice(0, i) + (neighbour(rng, prev) ?? prev) + s.slice(i);
  }
  const i = rng.int(s.length);
  return s.slice(0, i) + s.slice(i + 1);
}

/** Optical character recognition confusions (scanned forms). */
// biome-ignore format: pairs
const OCR: readonly (readonly [string, string])[] = [
  ['0', 'O'], ['O', '0'], ['o', '0'], ['1', 'l'], ['l', '1'], ['I', 'l'], ['l', 'I'], ['1', 'I'],
  ['5', 'S'], ['S', '5'], ['s', '5'], ['rn', 'm'], ['m', 'rn'], ['cl', 'd'], ['d', 'cl'], ['8', 'B'],
  ['B', '8'], ['2', 'Z'], ['Z', '2'], ['6', 'G'], ['G', '6'], ['vv', 'w'], ['w', 'vv'], ['h', 'b'],
  ['e', 'c'], ['n', 'ri'], ['u', 'ii'], ['g', '9'],
];

/** One OCR confusion at a random applicable position, or null if none applies. */
export function ocrError(rng: Rng, s: string): string | null {
  const hits: number[] = []; // pairs of (rule index, position) flattened
  for (let r = 0; r < OCR.length; r++) {
    const from = OCR[r]![0];
    for (let i = s.indexOf(from); i >= 0; i = s.indexOf(from, i + 1)) hits.push(r, i);
  }
  if (hits.length === 0) return null;
  const k = rng.int(hits.length / 2) * 2;
  const [from, to] = OCR[hits[k]!]!;
  const i = hits[k + 1]!;
  return s.slice(0, i) + to + s.slice(i + from.length);
}

type Where = 'any' | 'start' | 'end' | 'inner';
/** Spelling variants that sound alike: [pattern, replacement, where, allowed next characters]. */
// biome-ignore format: rules
const PHONETIC: readonly (readonly [string, string, Where, string?])[] = [
  ['ph', 'f', 'any'], ['f', 'ph', 'start'], ['ck', 'k', 'any'], ['k', 'ck', 'end'],
  ['ie', 'y', 'end'], ['y', 'ie', 'end'], ['ey', 'ay', 'end'], ['ay', 'ey', 'end'],
  ['mc', 'mac', 'start'], ['mac', 'mc', 'start'], ['ou', 'ow', 'inner'], ['ow', 'ou', 'inner'],
  ['ee', 'ea', 'inner'], ['ea', 'ee', 'inner'], ['ai', 'ay', 'inner'], ['th', 't', 'any'],
  ['z', 's', 'inner'], ['s', 'z', 'inner', 'aeiouy'], ['ll', 'l', 'any'], ['l', 'll', 'inner', 'aeiouy'],
  ['i', 'y', 'inner'], ['y', 'i', 'inner'], ['c', 'k', 'start', 'aoulr'], ['k', 'c', 'start', 'aoulr'],
  ['sen', 'son', 'end'], ['son', 'sen', 'end'], ['rke', 'rk', 'end'], ['rk', 'rke', 'end'],
  ['nne', 'nn', 'end'], ['nn', 'nne', 'end'], ['tt', 't', 'inner'],
];

/** One phonetic respelling (Stephen → Stefen, McDonald → MacDonald), or null if no rule applies. */
export function phoneticVariant(rng: Rng, s: string): string | null {
  const lower = s.toLowerCase();
  if (lower.length !== s.length) return null;
  const candidates: number[] = []; // pairs (rule index, position), first match per rule
  for (let r = 0; r < PHONETIC.length; r++) {
    const [pat, , where, next] = PHONETIC[r]!;
    for (let i = lower.indexOf(pat); i >= 0; i = lower.indexOf(pat, i + 1)) {
      const end = i + pat.length;
      if (where === 'start' && i !== 0) continue;
      if (where === 'end' && end !== lower.length) continue;
      if (where === 'inner' && (i === 0 || end === lower.length)) continue;
      if (next !== undefined && (end >= lower.length || !next.includes(lower[end]!))) continue;
      if (pat === 'mc' || pat === 'mac') {
        if (end >= s.length || s[end] !== s[end]!.toUpperCase()) continue; // McDonald, not Macey
      }
      candidates.push(r, i);
      break;
    }
  }
  if (candidates.length === 0) return null;
  const k = rng.int(candidates.length / 2) * 2;
  const [pat, rep] = PHONETIC[candidates[k]!]!;
  const i = candidates[k + 1]!;
  const upper = s[i] !== lower[i];
  const replacement = upper ? rep[0]!.toUpperCase() + rep.slice(1) : rep;
  return s.slice(0, i) + replacement + s.slice(i + pat.length);
}

/** A nickname for a formal given name (Robert → Bob), or null when the name has none. */
export function nicknameFor(rng: Rng, given: string): string | null {
  const nicks = NICKNAMES[given];
  return nicks === undefined ? null : rng.pick(nicks);
}

export interface SimpleDate {
  readonly y: number;
  readonly m: number;
  readonly d: number;
}

/** The American reading of a date: day and month exchanged, only possible when day ≤ 12. */
export function swapDayMonth(date: SimpleDate): SimpleDate | null {
  if (date.d > 12 || date.d === date.m) return null;
  return { y: date.y, m: date.d, d: date.m };
}

/** Off by one year or one day; the result is always a real date that differs from the input. */
export function dateTypo(rng: Rng, date: SimpleDate): SimpleDate {
  if (rng.chance(0.5)) {
    const y = date.y + 1 >= REFERENCE_YEAR || rng.chance(0.5) ? date.y - 1 : date.y + 1;
    return { y, m: date.m, d: Math.min(date.d, daysInMonth(y, date.m)) };
  }
  const last = daysInMonth(date.y, date.m);
  const d = date.d === 1 ? 2 : date.d === last ? last - 1 : date.d + (rng.chance(0.5) ? 1 : -1);
  return { y: date.y, m: date.m, d };
}

/**
 * A mistyped NHS number: usually one digit changed or two adjacent digits transposed (modulus 11
 * catches both), occasionally a different valid number (someone else's, copied in error).
 */
export function mistypeNhsNumber(rng: Rng, nhs: string): string {
  const u = rng.float();
  if (u < 0.1) {
    for (;;) {
      const prefix = String(400_000_000 + rng.int(600_000_000));
      const check = nhsCheckDigit(prefix);
      if (check !== null && prefix + check !== nhs) return prefix + check;
    }
  }
  if (u < 0.45) {
    const i = findFrom(rng, nhs.length - 1, (j) => nhs[j] !== nhs[j + 1]);
    if (i >= 0) return nhs.slice(0, i) + nhs[i + 1] + nhs[i] + nhs.slice(i + 2);
  }
  const i = rng.int(nhs.length);
  const digit = (nhs.charCodeAt(i) - 48 + 1 + rng.int(9)) % 10;
  return nhs.slice(0, i) + digit + nhs.slice(i + 1);
}
