import { z } from 'zod';

/**
 * The clkhash v3 linkage schema (the anonlink suite's format), as clkhash 0.18.3 reads it.
 * Accepted as is; unknown keys are tolerated like clkhash does (it ignores them), except that
 * the misspelling `xorFolds` is reported as a warning because clkhash silently ignores it.
 */

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const missingValue = z.object({ sentinel: z.string(), replaceWith: z.string().optional() });

const comparison = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ngram'), n: z.number().int().min(0), positional: z.boolean().optional() }),
  z.object({ type: z.literal('exact') }),
  z.object({
    type: z.literal('numeric'),
    thresholdDistance: z.number().positive(),
    resolution: z.number().int().min(1),
    fractional_precision: z.number().int().min(0).optional(),
  }),
]);

const strategy = z.union([
  z.object({ bitsPerToken: z.number().int().min(1) }).strict(),
  z.object({ bitsPerFeature: z.number().int().min(1) }).strict(),
]);

const hash = z.discriminatedUnion('type', [
  z.object({ type: z.literal('doubleHash'), prevent_singularity: z.boolean().optional() }),
  z.object({ type: z.literal('blakeHash') }),
]);

const hashing = z.object({
  comparison,
  strategy,
  hash: hash.optional(),
  missingValue: missingValue.optional(),
});

const encoding = z.enum(['utf-8', 'utf8', 'ascii']).optional();

const stringFormat = z.object({
  type: z.literal('string'),
  encoding,
  pattern: z.string().optional(),
  case: z.enum(['lower', 'upper', 'mixed']).optional(),
  minLength: z.number().int().min(0).optional(),
  maxLength: z.number().int().min(1).optional(),
  description: z.string().optional(),
});
const integerFormat = z.object({
  type: z.literal('integer'),
  minimum: z.number().int().optional(),
  maximum: z.number().int().optional(),
  description: z.string().optional(),
});
const dateFormat = z.object({
  type: z.literal('date'),
  format: z.string().min(1),
  description: z.string().optional(),
});
const enumFormat = z.object({
  type: z.literal('enum'),
  values: z.array(z.string()).min(1),
  description: z.string().optional(),
});

const format = z.discriminatedUnion('type', [stringFormat, integerFormat, dateFormat, enumFormat]);

const ignoredField = z.object({
  identifier: z.string(),
  ignored: z.literal(true),
  description: z.string().optional(),
});
const hashedField = z.object({
  identifier: z.string(),
  ignored: z.literal(false).optional(),
  format,
  hashing,
});

export const clkhashV3Schema = z.object({
  version: z.literal(3),
  clkConfig: z.object({
    l: z.number().int().min(8),
    xor_folds: z.number().int().min(0).max(10).optional(),
    xorFolds: z.number().int().optional(),
    kdf: z
      .object({
        type: z.literal('HKDF'),
        hash: z.enum(['SHA256', 'SHA512']).optional(),
        salt: base64.optional(),
        info: base64.optional(),
        keySize: z.number().int().min(1).max(1024).optional(),
      })
      .optional(),
  }),
  features: z.array(z.union([ignoredField, hashedField])).min(1),
});

export type ClkhashV3Schema = z.infer<typeof clkhashV3Schema>;
export type ClkhashHashedField = z.infer<typeof hashedField>;

export function looksLikeClkhashSchema(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'clkConfig' in json && 'features' in json;
}
