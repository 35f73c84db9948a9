import { CohortlinkError, issuesFromZod } from '../../errors.js';
import { blockMac } from '../blockMac.js';
import { keyedPermutation } from '../hardening.js';
import { blakeRandomHasher, hmacDoubleHasher, type TokenHasher } from '../hashers.js';
import { deriveKey, keyFingerprint, schemaFingerprint } from '../keys.js';
import type { BlockKeyPlan, EncodingPlan, FeaturePlan, FieldPlan, HardeningPlan } from '../plan.js';
import { exactTokeniser, gramShape, numericTokeniser, qgramTokeniser, type Tokeniser } from '../tokenise.js';
import { type CohortlinkSchema, cohortlinkSchema, crossCheck, type FeatureSpec } from './cohortlinkSchema.js';
import { preparerFor } from './fieldTypes.js';

/** Validates a cohortlink schema, listing every problem (zod's and the cross-field ones) with its JSON path. */
export function parseCohortlinkSchema(json: unknown): CohortlinkSchema {
  const r = cohortlinkSchema.safeParse(json);
  if (!r.success)
    throw new CohortlinkError('CL_SCHEMA_INVALID', 'cohortlink schema is invalid', issuesFromZod(r.error));
  const issues = crossCheck(r.data);
  if (issues.length > 0)
    throw new CohortlinkError('CL_SCHEMA_INVALID', 'cohortlink schema is invalid', issues);
  return r.data;
}

function tokeniserFor(f: FeatureSpec): Tokeniser {
  const t = f.tokens;
  switch (t.kind) {
    case 'qgram':
      return qgramTokeniser(t.q, t.positional);
    case 'positional':
      return qgramTokeniser(1, true);
    case 'exact':
      return exactTokeniser;
    case 'numeric':
      return numericTokeniser(t.thresholdDistance, t.resolution);
  }
}

function hasherFor(kind: 'blake2s' | 'hmacDouble', key: Uint8Array, bits: number): TokenHasher {
  return kind === 'blake2s' ? blakeRandomHasher(key, bits) : hmacDoubleHasher(key, bits);
}

export function compileCohortlinkSchema(json: unknown, secret: Uint8Array): EncodingPlan {
  const schema = parseCohortlinkSchema(json);
  const hashBits = schema.filter.bits * 2 ** schema.filter.xorFolds;

  const usedComponents = new Map<string, Set<string>>();
  const use = (column: string, comp: string) => {
    const s = usedComponents.get(column) ?? new Set<string>();
    s.add(comp);
    usedComponents.set(column, s);
  };
  for (const f of schema.fields) for (const ft of f.features) use(f.column, ft.component);
  for (const b of schema.blocking) for (const p of b.parts) use(p.column, p.component);
  if (schema.hardening.salt) use(schema.hardening.salt.column, schema.hardening.salt.component);

  const fields: FieldPlan[] = schema.fields.map((f) => {
    const seen = new Map<string, number>();
    const features: FeaturePlan[] = f.features.map((ft) => {
      const n = seen.get(ft.component) ?? 0;
      seen.set(ft.component, n + 1);
      // Keys are labelled by column and component, not position: reordering columns or
      // fields leaves every other field's bits unchanged.
      const key = deriveKey(secret, `field:${f.column}:${ft.component}:${n}`);
      const t = ft.tokens;
      const gram =
        t.kind === 'qgram'
          ? gramShape(t.q, t.positional)
          : t.kind === 'positional'
            ? gramShape(1, true)
            : undefined;
      return {
        ...(gram ? { gram } : {}),
        component: ft.component,
        tokenise: tokeniserFor(ft),
        bits:
          ft.bitsPerToken !== undefined ? { perToken: ft.bitsPerToken } : { perFeature: ft.bitsPerFeature! },
        hasher: hasherFor(ft.hash ?? schema.filter.hash, key, hashBits),
      };
    });
    return { column: f.column, prepare: preparerFor(f, usedComponents.get(f.column) ?? new Set()), features };
  });

  const blocking: BlockKeyPlan[] = schema.blocking.map((b) => ({
    name: b.name,
    mac: blockMac(deriveKey(secret, `block:${b.name}`)),
    parts: b.parts.map((p) => ({
      column: p.column,
      derive: (prep) => {
        if (prep.kind !== 'present') return undefined;
        const v = prep.components[p.component];
        return v === undefined || v.length === 0
          ? undefined
          : p.prefix !== undefined
            ? v.slice(0, p.prefix)
            : v;
      },
    })),
  }));

  const h = schema.hardening;
  const hardening: HardeningPlan = {
    ...(h.salt ? { saltColumn: h.salt.column, saltComponent: h.salt.component } : {}),
    ...(h.balance
      ? {
          balance: {
            permutation: keyedPermutation(deriveKey(secret, 'hardening:balance'), schema.filter.bits * 2),
          },
        }
      : {}),
    ...(h.bitFlip && h.bitFlip.probability > 0
      ? { bitFlip: { probability: h.bitFlip.probability, seedKey: deriveKey(secret, 'hardening:bitflip') } }
      : {}),
  };

  return {
    source: 'cohortlink',
    hashBits,
    xorFolds: schema.filter.xorFolds,
    filterBits: schema.filter.bits * (h.balance ? 2 : 1),
    requiredColumns: [],
    fields,
    blocking,
    hardening,
    schemaFingerprint: schemaFingerprint(schema),
    keyFingerprint: keyFingerprint(secret),
    warnings: [],
  };
}
