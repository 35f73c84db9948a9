import { z } from 'zod';

/**
 * cohortlink's own linkage schema. Unlike clkhash's, it normalises UK identifiers before
 * tokenising (names, dates, postcodes, NHS numbers, sex), names the component of a value each
 * feature encodes (a postcode's outward code, a date's year), derives keyed blocking keys and
 * declares hardening. Defaults live here, in the schema, so a parsed schema is fully explicit
 * and its fingerprint covers every setting that changes the bits.
 */

export const FIELD_TYPES = ['name', 'date', 'postcode', 'nhsNumber', 'sex', 'text', 'integer'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Components each field type offers to features and block keys. */
export const COMPONENTS: Record<FieldType, readonly string[]> = {
  name: ['text', 'compact', 'first', 'last', 'initial', 'soundex', 'nysiis'],
  date: ['iso', 'compact', 'year', 'month', 'day', 'yearMonth', 'monthDay'],
  postcode: ['full', 'compact', 'outward', 'inward', 'area', 'district', 'sector'],
  nhsNumber: ['value'],
  sex: ['value'],
  text: ['value', 'initial'],
  integer: ['value'],
};

const tokeniser = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('qgram'),
      q: z.number().int().min(1).max(8).default(2),
      positional: z.boolean().default(false),
    })
    .strict(),
  z.object({ kind: z.literal('positional') }).strict(),
  z.object({ kind: z.literal('exact') }).strict(),
  z
    .object({
      kind: z.literal('numeric'),
      thresholdDistance: z.number().positive(),
      resolution: z.number().int().min(1).max(64),
    })
    .strict(),
]);

export const HASH_KINDS = ['blake2s', 'hmacDouble'] as const;

const feature = z
  .object({
    component: z.string(),
    tokens: tokeniser,
    bitsPerToken: z.number().int().min(1).max(256).optional(),
    bitsPerFeature: z.number().int().min(1).max(8192).optional(),
    hash: z.enum(HASH_KINDS).optional(),
  })
  .strict();

const DATE_FORMATS = ['iso', 'dmy', 'mdy', 'ymd-compact', 'dmy-compact'] as const;

const field = z
  .object({
    column: z.string().min(1),
    type: z.enum(FIELD_TYPES),
    /** For names: which part of a name the column holds. */
    role: z.enum(['given', 'family', 'full']).optional(),
    /** For dates: accepted input formats, tried in order. */
    dateFormats: z.array(z.enum(DATE_FORMATS)).min(1).optional(),
    /** Extra spellings of "missing" for this column, beyond the common ones. */
    missingValues: z.array(z.string()).default([]),
    features: z.array(feature).default([]),
  })
  .strict();

const blockPart = z
  .object({
    column: z.string(),
    component: z.string(),
    /** Keep only the first n characters of the component (e.g. 1 for an initial). */
    prefix: z.number().int().min(1).max(32).optional(),
  })
  .strict();

const blockKey = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ or -, at most 40'),
    parts: z.array(blockPart).min(1),
  })
  .strict();

const hardening = z
  .object({
    balance: z.boolean().default(false),
    salt: z.object({ column: z.string(), component: z.string() }).strict().optional(),
    bitFlip: z
      .object({ probability: z.number().min(0).max(0.5) })
      .strict()
      .optional(),
  })
  .strict();

export const cohortlinkSchema = z
  .object({
    $schema: z.string().optional(),
    format: z.literal('cohortlink-schema/1'),
    description: z.string().optional(),
    filter: z
      .object({
        bits: z.number().int().min(64).max(16384).multipleOf(64).default(1024),
        hash: z.enum(HASH_KINDS).default('blake2s'),
        xorFolds: z.number().int().min(0).max(4).default(0),
      })
      .strict()
      .prefault({}),
    fields: z.array(field).min(1),
    blocking: z.array(blockKey).default([]),
    hardening: hardening.prefault({}),
  })
  .strict();

export type CohortlinkSchemaInput = z.input<typeof cohortlinkSchema>;
export type CohortlinkSchema = z.output<typeof cohortlinkSchema>;
export type FieldSpec = CohortlinkSchema['fields'][number];
export type FeatureSpec = FieldSpec['features'][number];

/** Cross-field rules zod cannot see locally; every problem is reported with its JSON path. */
export function crossCheck(s: CohortlinkSchema): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const byColumn = new Map<string, FieldSpec>();
  s.fields.forEach((f, i) => {
    if (byColumn.has(f.column))
      issues.push({ path: `$.fields[${i}].column`, message: `column '${f.column}' is declared twice` });
    byColumn.set(f.column, f);
    if (f.role !== undefined && f.type !== 'name')
      issues.push({ path: `$.fields[${i}].role`, message: 'role applies to name fields only' });
    if (f.dateFormats !== undefined && f.type !== 'date') {
      issues.push({ path: `$.fields[${i}].dateFormats`, message: 'dateFormats applies to date fields only' });
    }
    f.features.forEach((ft, j) => {
      if ((ft.bitsPerToken === undefined) === (ft.bitsPerFeature === undefined)) {
        issues.push({
          path: `$.fields[${i}].features[${j}]`,
          message: 'give exactly one of bitsPerToken or bitsPerFeature',
        });
      }
      if (!COMPONENTS[f.type].includes(ft.component)) {
        issues.push({
          path: `$.fields[${i}].features[${j}].component`,
          message: `'${ft.component}' is not a component of ${f.type} (one of: ${COMPONENTS[f.type].join(', ')})`,
        });
      }
    });
  });
  if (!s.fields.some((f) => f.features.length > 0))
    issues.push({ path: '$.fields', message: 'no field has a feature to encode' });
  const component = (path: string, column: string, comp: string) => {
    const f = byColumn.get(column);
    if (f === undefined) issues.push({ path: `${path}.column`, message: `no field has column '${column}'` });
    else if (!COMPONENTS[f.type].includes(comp)) {
      issues.push({
        path: `${path}.component`,
        message: `'${comp}' is not a component of ${f.type} (one of: ${COMPONENTS[f.type].join(', ')})`,
      });
    }
  };
  const names = new Set<string>();
  s.blocking.forEach((b, i) => {
    if (names.has(b.name))
      issues.push({ path: `$.blocking[${i}].name`, message: `block key '${b.name}' is declared twice` });
    names.add(b.name);
    b.parts.forEach((p, j) => {
      component(`$.blocking[${i}].parts[${j}]`, p.column, p.component);
    });
  });
  if (s.hardening.salt) component('$.hardening.salt', s.hardening.salt.column, s.hardening.salt.component);
  const hashed = s.filter.bits * 2 ** s.filter.xorFolds;
  if (hashed > 65536) issues.push({ path: '$.filter', message: 'bits · 2^xorFolds must be at most 65536' });
  return issues;
}
