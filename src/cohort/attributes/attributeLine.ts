import { z } from 'zod';
import { EARLIEST_YEAR } from './dates.js';

/**
 * One line of `<dataset>.attributes.ndjson`: the zod schema, which stays the contract and says
 * what is wrong with a bad line, and a hand-written check of the same rules for the common case.
 * Run through zod, a million well-formed lines cost about half a second; the check costs a
 * few tens of milliseconds. A property test (tests/cohort/attributes/attributeLine.property.test.ts)
 * holds the two to the same verdict, so a change to one must be made to the other.
 */

/** NHS England region (Y56), ICB (QWE) or similar upper-case organisation code. */
const REGION_CODE = /^[A-Z][A-Z0-9]{2,8}$/;
const MAX_YEAR = 9999;
const MAX_REF_LENGTH = 64;

export const AttributeLineSchema = z.strictObject({
  ref: z.string().min(1).max(MAX_REF_LENGTH),
  birthYear: z.number().int().min(EARLIEST_YEAR).max(MAX_YEAR).nullable().optional(),
  birthMonth: z.number().int().min(1).max(12).nullable().optional(),
  sex: z.enum(['M', 'F', 'I', 'U']).nullable().optional(),
  region: z
    .string()
    .regex(REGION_CODE, 'must be an upper-case region code such as Y56')
    .nullable()
    .optional(),
  deceased: z.boolean(),
  deathDate: z.string().nullable().optional(),
});
export type AttributeLine = z.infer<typeof AttributeLineSchema>;

/** zod measures string length in code points: a surrogate pair counts once, a lone surrogate once. */
function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++)
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--;
      i++;
    }
  return n;
}

const isIntIn = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * The value itself, typed, when AttributeLineSchema would accept it (zod then returns an equal
 * object); `undefined` when it would not, and only zod can say why. Keys are walked with
 * `for…in` as zod's strict check walks them, so an own `__proto__` key is refused alike.
 */
export function wellFormedAttributeLine(value: unknown): AttributeLine | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  for (const key in o) {
    switch (key) {
      case 'ref':
      case 'birthYear':
      case 'birthMonth':
      case 'sex':
      case 'region':
      case 'deceased':
      case 'deathDate':
        break;
      default:
        return undefined;
    }
  }
  const { ref, birthYear, birthMonth, sex, region, deceased, deathDate } = o;
  if (typeof ref !== 'string' || ref.length === 0) return undefined;
  if (ref.length > MAX_REF_LENGTH && codePoints(ref) > MAX_REF_LENGTH) return undefined;
  if (typeof deceased !== 'boolean') return undefined;
  if (birthYear != null && !isIntIn(birthYear, EARLIEST_YEAR, MAX_YEAR)) return undefined;
  if (birthMonth != null && !isIntIn(birthMonth, 1, 12)) return undefined;
  if (sex != null && sex !== 'M' && sex !== 'F' && sex !== 'I' && sex !== 'U') return undefined;
  if (region != null && (typeof region !== 'string' || !REGION_CODE.test(region))) return undefined;
  if (deathDate != null && typeof deathDate !== 'string') return undefined;
  return o as AttributeLine;
}
