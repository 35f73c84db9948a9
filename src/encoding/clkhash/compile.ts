import { CohortlinkError, issuesFromZod } from '../../errors.js';
import { clkhashBlakeHasher, clkhashDoubleHasher, type TokenHasher } from '../hashers.js';
import { clkhashKeyLists, keyFingerprint, schemaFingerprint } from '../keys.js';
import type { BitsStrategy, EncodingPlan, FieldPlan, Prepared } from '../plan.js';
import { exactTokeniser, gramShape, numericTokeniser, qgramTokeniser, type Tokeniser } from '../tokenise.js';
import { type ClkhashHashedField, type ClkhashV3Schema, clkhashV3Schema } from './schema.js';
import { strptimeToYmd } from './strptime.js';

/**
 * Compiles a clkhash v3 schema into an EncodingPlan that reproduces clkhash 0.18.3 bit for bit:
 * values are validated but not normalised (clkhash hashes exactly the text given, after its
 * integer/date canonicalisation), keys come from one HKDF over all fields including ignored
 * ones, and the filter is hashed at l·2^xor_folds bits then folded.
 */

const VALUE = 'value';

export function parseClkhashSchema(json: unknown): ClkhashV3Schema {
  const r = clkhashV3Schema.safeParse(json);
  if (!r.success)
    throw new CohortlinkError('CL_SCHEMA_INVALID', 'clkhash v3 schema is invalid', issuesFromZod(r.error));
  const issues: { path: string; message: string }[] = [];
  r.data.features.forEach((f, i) => {
    if (f.ignored === true) return;
    const h = f.hashing;
    if (f.format.type === 'string' && f.format.pattern !== undefined) {
      try {
        new RegExp(`^(?:${f.format.pattern})$`, 'u');
      } catch {
        issues.push({ path: `$.features[${i}].format.pattern`, message: 'not a valid regular expression' });
      }
    }
    if (h.comparison.type === 'ngram' && h.comparison.n === 0) {
      issues.push({ path: `$.features[${i}].hashing.comparison.n`, message: 'n must be at least 1' });
    }
  });
  const hashL = r.data.clkConfig.l * 2 ** (r.data.clkConfig.xor_folds ?? 0);
  const usesBlake = r.data.features.some(
    (f) => f.ignored !== true && (f.hashing.hash?.type ?? 'blakeHash') === 'blakeHash',
  );
  if (usesBlake && (hashL & (hashL - 1)) !== 0) {
    issues.push({ path: '$.clkConfig.l', message: 'blakeHash needs l·2^xor_folds to be a power of two' });
  }
  if (issues.length > 0)
    throw new CohortlinkError('CL_SCHEMA_INVALID', 'clkhash v3 schema is invalid', issues);
  return r.data;
}

function validator(f: ClkhashHashedField): (s: string) => string | undefined {
  const fmt = f.format;
  switch (fmt.type) {
    case 'string': {
      const re = fmt.pattern !== undefined ? new RegExp(`^(?:${fmt.pattern})$`, 'u') : undefined;
      return (s) => {
        if (re && !re.test(s)) return 'pattern_mismatch';
        const len = Array.from(s).length;
        if (fmt.minLength !== undefined && len < fmt.minLength) return 'too_short';
        if (fmt.maxLength !== undefined && len > fmt.maxLength) return 'too_long';
        if (fmt.case === 'upper' && s.toUpperCase() !== s) return 'not_upper_case';
        if (fmt.case === 'lower' && s.toLowerCase() !== s) return 'not_lower_case';
        if (fmt.encoding === 'ascii' && /[^\x00-\x7f]/.test(s)) return 'not_ascii';
        return undefined;
      };
    }
    case 'integer':
      return (s) => {
        const canon = pythonInt(s);
        if (canon === undefined) return 'not_an_integer';
        const v = Number(canon);
        if (fmt.minimum !== undefined && v < fmt.minimum) return 'below_minimum';
        if (fmt.maximum !== undefined && v > fmt.maximum) return 'above_maximum';
        return undefined;
      };
    case 'date':
      return (s) => (strptimeToYmd(s, fmt.format) === undefined ? 'date_invalid' : undefined);
    case 'enum': {
      const allowed = new Set(fmt.values);
      return (s) => (allowed.has(s) ? undefined : 'not_in_enum');
    }
  }
}

/** Python's int(s, 10) then str(): surrounding whitespace, a sign and digit underscores allowed. */
function pythonInt(s: string): string | undefined {
  const t = s.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(t)) return undefined;
  return BigInt(t.replace(/_/g, '')).toString();
}

function formatter(f: ClkhashHashedField): (s: string) => string {
  const fmt = f.format;
  if (fmt.type === 'integer') return (s) => pythonInt(s) ?? s;
  if (fmt.type === 'date') return (s) => strptimeToYmd(s, fmt.format) ?? s;
  return (s) => s;
}

function tokeniserFor(f: ClkhashHashedField): Tokeniser {
  const c = f.hashing.comparison;
  if (c.type === 'ngram') return qgramTokeniser(c.n, c.positional ?? false);
  if (c.type === 'exact') return exactTokeniser;
  return numericTokeniser(c.thresholdDistance, c.resolution, c.fractional_precision ?? 0);
}

function gramOf(f: ClkhashHashedField): { gram?: { q: 1 | 2; positional: boolean } } {
  const c = f.hashing.comparison;
  const g = c.type === 'ngram' ? gramShape(c.n, c.positional ?? false) : undefined;
  return g ? { gram: g } : {};
}

function bitsFor(f: ClkhashHashedField): BitsStrategy {
  const s = f.hashing.strategy;
  return 'bitsPerToken' in s ? { perToken: s.bitsPerToken } : { perFeature: s.bitsPerFeature };
}

function hasherFor(f: ClkhashHashedField, keys: Uint8Array[], hashL: number): TokenHasher {
  const h = f.hashing.hash ?? { type: 'blakeHash' as const };
  if (h.type === 'doubleHash')
    return clkhashDoubleHasher(keys[0]!, keys[1]!, hashL, h.prevent_singularity === true);
  return clkhashBlakeHasher(keys[0]!, hashL);
}

function preparer(f: ClkhashHashedField): (raw: string) => Prepared {
  const validate = validator(f);
  const format = formatter(f);
  const mv = f.hashing.missingValue;
  return (raw) => {
    if (mv !== undefined && raw === mv.sentinel) {
      // clkhash hashes the replacement (or the sentinel itself when none is given).
      return { kind: 'missing', components: { [VALUE]: mv.replaceWith ?? mv.sentinel } };
    }
    const reason = validate(raw);
    if (reason !== undefined) return { kind: 'invalid', reason };
    const v = format(raw);
    return v.length === 0 ? { kind: 'missing' } : { kind: 'present', components: { [VALUE]: v } };
  };
}

export function compileClkhashSchema(json: unknown, secret: Uint8Array): EncodingPlan {
  const schema = parseClkhashSchema(json);
  const cfg = schema.clkConfig;
  const xorFolds = cfg.xor_folds ?? 0;
  const hashBits = cfg.l * 2 ** xorFolds;
  const kdf = cfg.kdf;
  const keyLists = clkhashKeyLists(secret, schema.features.length, {
    hash: kdf?.hash ?? 'SHA256',
    salt: kdf?.salt !== undefined ? new Uint8Array(Buffer.from(kdf.salt, 'base64')) : undefined,
    info: kdf?.info !== undefined ? new Uint8Array(Buffer.from(kdf.info, 'base64')) : undefined,
    keySize: kdf?.keySize ?? 64,
  });
  const fields: FieldPlan[] = [];
  const requiredColumns: string[] = [];
  schema.features.forEach((f, i) => {
    requiredColumns.push(f.identifier);
    if (f.ignored === true) return;
    fields.push({
      column: f.identifier,
      prepare: preparer(f),
      features: [
        {
          component: VALUE,
          tokenise: tokeniserFor(f),
          bits: bitsFor(f),
          hasher: hasherFor(f, keyLists[i]!, hashBits),
          ...gramOf(f),
        },
      ],
    });
  });
  const warnings: string[] = [];
  if (cfg.xorFolds !== undefined) {
    warnings.push(
      'clkConfig.xorFolds is ignored (clkhash 0.18.3 reads only xor_folds); cohortlink ignores it too so CLKs stay identical',
    );
  }
  return {
    source: 'clkhash-v3',
    hashBits,
    xorFolds,
    filterBits: cfg.l,
    requiredColumns,
    fields,
    blocking: [],
    hardening: {},
    schemaFingerprint: schemaFingerprint(schema),
    keyFingerprint: keyFingerprint(secret),
    warnings,
  };
}
