import type { CohortlinkSchemaInput } from './cohortlinkSchema.js';

/**
 * Built-in schemas, selectable by name with `--schema <name>`.
 *
 * `uk`: for the columns `cohortlink generate` writes (and most NHS extracts hold). Bits are
 * budgeted per feature so that a field's weight does not grow with the length of its value.
 * The budgets keep filters about a third full: on generated data, halving clkhash-like
 * budgets (which fill half the filter) widened the gap between the 1st percentile of true-pair
 * Dice and the 99.9th percentile of random pairs from 0.13 to 0.20;
 * the NHS number uses positional digits so a single mistyped digit costs one position, not the
 * whole number; block keys are unioned by the linker, so each catches what the others miss.
 *
 * `uk` is XOR-folded: tokens are hashed into 2048 bits and the filter is folded once back to
 * 1024 (issue 12). Unhardened, its encodings give names away: a pattern-mining attack on
 * 50,000 generated people (`npm run bench:attack`) re-identified 81.9 % of first names and
 * 49–50 % of surnames, where guessing from public frequencies gets 2.0 % and 3.0 %; folded,
 * 0.0 % and 0.0 % (`npm run bench:attack -- --schema uk`). Folding this way costs no linkage quality (`npm run bench:hardening-quality`):
 * best F1 in hindsight +0.0002 (febrl4), +0.0013 (ncvr-p0p1), +0.0004 (ncvr-p1p2) on the public
 * tasks and +0.0001 on 20,000 generated people.
 *
 * `uk-unhardened`: the same schema without folding (the `uk` of earlier releases), for
 * comparison and to link with encodings made before the change.
 */
const UK_UNHARDENED: CohortlinkSchemaInput = {
  format: 'cohortlink-schema/1',
  description: 'UK demographics: NHS number, names, date of birth, sex, postcode',
  filter: { bits: 1024, hash: 'blake2s' },
  fields: [
    {
      column: 'nhs_number',
      type: 'nhsNumber',
      features: [{ component: 'value', tokens: { kind: 'positional' }, bitsPerFeature: 60 }],
    },
    {
      column: 'given_name',
      type: 'name',
      role: 'given',
      features: [{ component: 'first', tokens: { kind: 'qgram', q: 2 }, bitsPerFeature: 90 }],
    },
    {
      column: 'family_name',
      type: 'name',
      role: 'family',
      features: [{ component: 'compact', tokens: { kind: 'qgram', q: 2 }, bitsPerFeature: 90 }],
    },
    {
      column: 'date_of_birth',
      type: 'date',
      dateFormats: ['iso', 'dmy', 'ymd-compact'],
      features: [{ component: 'compact', tokens: { kind: 'positional' }, bitsPerFeature: 80 }],
    },
    {
      column: 'sex',
      type: 'sex',
      features: [{ component: 'value', tokens: { kind: 'exact' }, bitsPerToken: 10 }],
    },
    {
      column: 'postcode',
      type: 'postcode',
      features: [{ component: 'compact', tokens: { kind: 'qgram', q: 2 }, bitsPerFeature: 50 }],
    },
  ],
  blocking: [
    { name: 'nhs', parts: [{ column: 'nhs_number', component: 'value' }] },
    {
      name: 'fn_sdx_yob',
      parts: [
        { column: 'family_name', component: 'soundex' },
        { column: 'date_of_birth', component: 'year' },
      ],
    },
    {
      name: 'gn_sdx_dob',
      parts: [
        { column: 'given_name', component: 'soundex' },
        { column: 'date_of_birth', component: 'monthDay' },
      ],
    },
    {
      name: 'pc_gn_init',
      parts: [
        { column: 'postcode', component: 'district' },
        { column: 'given_name', component: 'initial' },
      ],
    },
  ],
};

export const PRESETS: Record<string, CohortlinkSchemaInput> = {
  uk: {
    ...UK_UNHARDENED,
    description:
      'UK demographics: NHS number, names, date of birth, sex, postcode (XOR-folded: hashed at 2048 bits, folded to 1024)',
    filter: { bits: 1024, hash: 'blake2s', xorFolds: 1 },
  },
  'uk-unhardened': UK_UNHARDENED,
};
