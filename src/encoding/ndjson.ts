import { z } from 'zod';

/**
 * The encodings file: NDJSON with one metadata header line, one line per record and one
 * summary line. Record lines are the only lines with a `clk`; metadata never carries one.
 * The header's fingerprints let a reader refuse to compare encodings made with different
 * schemas or secrets before any comparison is made.
 */

export const ENCODINGS_FORMAT = 'cohortlink-encodings/1';

export const headerLine = z.object({
  type: z.literal('header'),
  format: z.literal(ENCODINGS_FORMAT),
  schemaSource: z.enum(['cohortlink', 'clkhash-v3']),
  schemaFingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  keyFingerprint: z.string().regex(/^[0-9a-f]{32}$/),
  filterBits: z.number().int().positive(),
  blockKeys: z.array(z.string()),
  hardening: z.object({
    balance: z.boolean(),
    salted: z.boolean(),
    bitFlip: z.number(),
    xorFolds: z.number().int(),
  }),
  refColumn: z.string(),
  createdAt: z.string(),
  encoder: z.string(),
});
export type HeaderLine = z.infer<typeof headerLine>;

/** Longest record reference, in UTF-16 code units. */
export const MAX_REF_LENGTH = 256;
/**
 * Characters a record reference may not hold: C0 and C1 controls (newline, NUL, DEL …) and the
 * Unicode line and paragraph separators. A ref travels through keys files, invitation lists and
 * CSV downloads, split into lines by many readers; one newline in one ref broke every later run
 * of its project (issue 14).
 */
const REF_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/**
 * First characters a record reference may not have: a spreadsheet opening a keys file, an
 * invitation list or a links CSV runs a cell starting with one of them as a formula
 * (`=HYPERLINK(…)`, `-2+3+cmd|…`), in the data holder's office. Refusing them at the door keeps
 * every CSV the service writes inert without altering refs, which data holders join on.
 */
const REF_FORMULA_START = /^[=+\-@]/;

/** Why a record reference is refused, as a reason code, or undefined when it is acceptable. */
export function refProblem(
  ref: string,
): 'ref_empty' | 'ref_too_long' | 'ref_control_character' | 'ref_formula_start' | undefined {
  if (ref.length === 0) return 'ref_empty';
  if (ref.length > MAX_REF_LENGTH) return 'ref_too_long';
  if (REF_FORBIDDEN.test(ref)) return 'ref_control_character';
  if (REF_FORMULA_START.test(ref)) return 'ref_formula_start';
  return undefined;
}

export const recordLine = z.object({
  ref: z
    .string()
    .min(1)
    .max(MAX_REF_LENGTH)
    .refine(
      (r) => refProblem(r) === undefined,
      'must not hold control characters or start with =, +, - or @',
    ),
  clk: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
  blocks: z.record(z.string(), z.string()).default({}),
});
export type RecordLine = z.infer<typeof recordLine>;

const fieldQuality = z.object({
  present: z.number().int(),
  missing: z.number().int(),
  invalid: z.number().int(),
  invalidReasons: z.record(z.string(), z.number().int()),
});

export const summaryLine = z.object({
  type: z.literal('summary'),
  rows: z.number().int(),
  encoded: z.number().int(),
  encodedWithMissing: z.number().int(),
  rejected: z.number().int(),
  rejectReasons: z.record(z.string(), z.number().int()),
  rejections: z.array(z.object({ row: z.number().int(), reason: z.string() })),
  fields: z.record(z.string(), fieldQuality),
  popcount: z.object({ min: z.number(), max: z.number(), mean: z.number(), sd: z.number() }),
});
export type SummaryLine = z.infer<typeof summaryLine>;
