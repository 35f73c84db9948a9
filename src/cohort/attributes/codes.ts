import { CODE_SYSTEMS } from '../people.js';

/**
 * Code-system rules: what a well-formed code looks like in each system, and the normal form that
 * criteria match against (upper case; ICD-10 and OPCS-4 without the dot, so HES `E119` and WHO
 * `E11.9` are the same code).
 */

export type CodeSystem = (typeof CODE_SYSTEMS)[number];
export const SYSTEM_INDEX: ReadonlyMap<string, number> = new Map(CODE_SYSTEMS.map((s, i) => [s, i]));

const ICD10 = /^[A-Z][0-9]{2}(\.?[0-9A-Z]{1,2})?$/;
const OPCS4 = /^[A-Z][0-9]{2}(\.?[0-9])?$/;
/** SNOMED CT ids (dm+d ids are SNOMED ids too): 6–18 digits, no leading zero, Verhoeff check digit. */
const SCTID = /^[1-9][0-9]{5,17}$/;

const VERHOEFF_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = digits.charCodeAt(digits.length - 1 - i) - 48;
    c = VERHOEFF_D[c]![VERHOEFF_P[i % 8]![d]!]!;
  }
  return c === 0;
}

/**
 * The normal form of `raw` in `system`, or a message saying why it is malformed. Messages never
 * quote the code: they reach the uploader's HTTP answer and the service's log.
 */
export function normaliseCode(system: CodeSystem, raw: string): { code: string } | { error: string } {
  const upper = raw.trim().toUpperCase();
  switch (system) {
    case 'ICD-10':
      return ICD10.test(upper)
        ? { code: upper.replace('.', '') }
        : { error: 'is not an ICD-10 code (e.g. E11, E11.9 or E119)' };
    case 'OPCS-4':
      return OPCS4.test(upper)
        ? { code: upper.replace('.', '') }
        : { error: 'is not an OPCS-4 code (e.g. W37.1 or W371)' };
    case 'SNOMED-CT':
    case 'dm+d':
      if (!SCTID.test(upper)) return { error: `is not a ${system} id (6–18 digits)` };
      return verhoeffValid(upper) ? { code: upper } : { error: `fails the ${system} check digit` };
  }
}
