import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cohortlinkJsonSchema } from '../../src/encoding/schema/jsonSchema.js';
import { compileSchema } from '../../src/encoding/schema/load.js';
import { PRESETS } from '../../src/encoding/schema/presets.js';
import { CohortlinkError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const KEY = new TextEncoder().encode('schema tests');

function issuesOf(schema: unknown): string[] {
  try {
    compileSchema(schema, KEY);
  } catch (e) {
    if (e instanceof CohortlinkError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('linkage schemas', () => {
  it('the published JSON Schema is the one generated from the validator', () => {
    const published = JSON.parse(
      readFileSync(join(PROJECT_ROOT, 'docs', 'cohortlink-schema.v1.json'), 'utf8'),
    );
    expect(published).toEqual(JSON.parse(JSON.stringify(cohortlinkJsonSchema())));
  });

  it('every built-in schema compiles', () => {
    for (const [name, schema] of Object.entries(PRESETS)) {
      expect(issuesOf(schema), name).toEqual([]);
    }
  });

  it('lists every problem at once, each with its JSON path', () => {
    const issues = issuesOf({
      format: 'cohortlink-schema/1',
      fields: [
        { column: 'a', type: 'name', features: [{ component: 'zip', tokens: { kind: 'qgram' } }] },
        { column: 'a', type: 'date', role: 'given', features: [] },
      ],
      blocking: [{ name: 'x', parts: [{ column: 'b', component: 'year' }] }],
      hardening: { salt: { column: 'a', component: 'nope' } },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        '$.fields[0].features[0]: give exactly one of bitsPerToken or bitsPerFeature',
        expect.stringMatching(/^\$\.fields\[0\]\.features\[0\]\.component: 'zip' is not a component of name/),
        "$.fields[1].column: column 'a' is declared twice",
        '$.fields[1].role: role applies to name fields only',
        "$.blocking[0].parts[0].column: no field has column 'b'",
        expect.stringMatching(/^\$\.hardening\.salt\.component: 'nope' is not a component of date/),
      ]),
    );
  });

  it('names the JSON path of type errors', () => {
    const issues = issuesOf({
      format: 'cohortlink-schema/1',
      filter: { bits: 1000 },
      fields: [{ column: 'a', type: 'nme' }],
    });
    expect(issues.some((i) => i.startsWith('$.filter.bits'))).toBe(true);
    expect(issues.some((i) => i.startsWith('$.fields[0].type'))).toBe(true);
  });

  it('validates clkhash schemas too, and warns about the xorFolds spelling clkhash ignores', () => {
    const base = {
      version: 3,
      clkConfig: { l: 1024, xorFolds: 1 },
      features: [
        {
          identifier: 'n',
          format: { type: 'string' },
          hashing: { comparison: { type: 'ngram', n: 2 }, strategy: { bitsPerToken: 10 } },
        },
      ],
    };
    const plan = compileSchema(base, KEY);
    expect(plan.source).toBe('clkhash-v3');
    expect(plan.xorFolds).toBe(0);
    expect(plan.warnings.join()).toContain('xor_folds');
    expect(issuesOf({ ...base, clkConfig: { l: 1000 } })).toEqual([
      '$.clkConfig.l: blakeHash needs l·2^xor_folds to be a power of two',
    ]);
  });

  it('uk is XOR-folded (2048 → 1024 bits); uk-unhardened is the earlier uk, fingerprint unchanged', () => {
    const uk = compileSchema(PRESETS.uk!, KEY);
    const unhardened = compileSchema(PRESETS['uk-unhardened']!, KEY);
    expect([uk.filterBits, uk.xorFolds]).toEqual([1024, 1]);
    expect([unhardened.filterBits, unhardened.xorFolds]).toEqual([1024, 0]);
    // The fingerprint of the built-in uk before issue 12, so earlier encodings still link with it.
    expect(unhardened.schemaFingerprint).toBe('cb9ebc459afdfcc072be50d52c312dbf');
    expect(uk.schemaFingerprint).not.toBe(unhardened.schemaFingerprint);
    const { filter: _f, description: _d, ...rest } = PRESETS.uk!;
    const { filter: _g, description: _e, ...restUnhardened } = PRESETS['uk-unhardened']!;
    expect(rest).toEqual(restUnhardened);
  });

  it('the schema fingerprint changes with any setting that changes bits, not with formatting', () => {
    const uk = PRESETS.uk!;
    const a = compileSchema(uk, KEY).schemaFingerprint;
    const b = compileSchema(JSON.parse(JSON.stringify(uk, null, 4)), KEY).schemaFingerprint;
    const c = compileSchema({ ...uk, filter: { bits: 2048 } }, KEY).schemaFingerprint;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});
