import { z } from 'zod';
import { CODE_SYSTEMS } from '../people.js';
import { CRITERIA_LIMITS as L } from './limits.js';

/**
 * The criteria language, version 1. A request is `{ format, where }`; `where` is a criterion:
 * an object with exactly one key — a boolean combinator (`all`, `any`, `not`) or a predicate
 * (`age`, `sex`, `region`, `event`). "No event of a kind" is `not` around an `event`.
 *
 * One object type with optional keys (instead of a union of one-key objects) keeps zod's
 * error paths precise (`$.where.all[1].event.codes[0]`): a failed union would report only
 * that none of its options matched.
 */

export const CRITERIA_FORMAT = 'cohortlink-criteria/1';
export const SEXES = ['unknown', 'female', 'male', 'other'] as const;
export type Sex = (typeof SEXES)[number];
export type CodeSystem = (typeof CODE_SYSTEMS)[number];

export interface AgePredicate {
  readonly min?: number;
  readonly max?: number;
  /** Index date, ISO `YYYY-MM-DD`. */
  readonly at: string;
}

export interface EventPredicate {
  readonly system: CodeSystem;
  /** Exact codes, or prefixes ending in `*` (`E11*`). */
  readonly codes: readonly string[];
  /** Inclusive date window, ISO dates. */
  readonly from?: string;
  readonly to?: string;
  readonly dataset?: string;
  /** At least this many matching events (default 1). */
  readonly atLeast?: number;
}

export type Criterion =
  | { readonly all: readonly Criterion[] }
  | { readonly any: readonly Criterion[] }
  | { readonly not: Criterion }
  | { readonly age: AgePredicate }
  | { readonly sex: readonly Sex[] }
  | { readonly region: readonly string[] }
  | { readonly event: EventPredicate };

export interface CriteriaRequest {
  readonly format: typeof CRITERIA_FORMAT;
  readonly where: Criterion;
}

export const CRITERION_KEYS = ['all', 'any', 'not', 'age', 'sex', 'region', 'event'] as const;

const isoDate = z.iso.date({ message: 'expected a real date as YYYY-MM-DD' });

const age = z
  .object({
    min: z.number().int().min(0).max(150).optional(),
    max: z.number().int().min(0).max(150).optional(),
    at: isoDate,
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.min === undefined && a.max === undefined)
      ctx.addIssue({ code: 'custom', message: 'give min, max or both' });
    if (a.min !== undefined && a.max !== undefined && a.min > a.max)
      ctx.addIssue({ code: 'custom', path: ['max'], message: `max ${a.max} is below min ${a.min}` });
  });

// Letters, digits and the punctuation real code systems use; `*` only at the end, after at
// least one character, so `*` alone (every code) has to be written as no predicate at all.
const codePattern = z
  .string()
  .max(L.maxCodeLength)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.+-]*\*?$/, 'expected a code such as E11.9, or a prefix such as E11*');

const event = z
  .object({
    system: z.enum(CODE_SYSTEMS),
    codes: z.array(codePattern).min(1).max(L.maxCodesPerPredicate),
    from: isoDate.optional(),
    to: isoDate.optional(),
    dataset: z.string().min(1).max(128).optional(),
    atLeast: z.number().int().min(1).max(L.maxAtLeast).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.from !== undefined && e.to !== undefined && e.from > e.to)
      ctx.addIssue({ code: 'custom', path: ['to'], message: `to ${e.to} is before from ${e.from}` });
  });

export const criterionSchema: z.ZodType<Criterion> = z
  .lazy(() =>
    z
      .object({
        all: z.array(criterionSchema).min(1).max(L.maxChildren).optional(),
        any: z.array(criterionSchema).min(1).max(L.maxChildren).optional(),
        not: criterionSchema.optional(),
        age: age.optional(),
        sex: z.array(z.enum(SEXES)).min(1).max(SEXES.length).optional(),
        region: z.array(z.string().min(1).max(64)).min(1).max(L.maxRegionsPerPredicate).optional(),
        event: event.optional(),
      })
      .strict()
      // Published in the JSON Schema; the refinement below enforces the same rule in zod.
      .meta({ minProperties: 1, maxProperties: 1 })
      .superRefine((c, ctx) => {
        const keys = Object.keys(c);
        if (keys.length !== 1)
          ctx.addIssue({
            code: 'custom',
            message: `give exactly one of ${CRITERION_KEYS.join(', ')}${keys.length > 1 ? ` (got ${keys.join(', ')})` : ''}`,
          });
      }),
  )
  .meta({ id: 'criterion' }) as z.ZodType<Criterion>;

export const criteriaSchema = z
  .object({
    format: z.literal(CRITERIA_FORMAT),
    where: criterionSchema,
  })
  .strict();
