/**
 * `npm run bench:attack`: the measured pattern-mining attack on generated people (issue 12).
 * Two populations are drawn (seeds A and B; the attack runs on each), a third one larger
 * (seed C) is the attacker's public frequency list; all are encoded with the schema given by
 * name or JSON file, under a secret the attacker never sees, and the attack is scored
 * against the true names. Prints markdown table rows. The default schema is `uk-unhardened`
 * (the figures of issue 12: 81.9 % of first names); `--schema uk` attacks the built-in, XOR-folded
 * default (0.0 %). Variants are applied to the schema given.
 *
 *   node dist/bench/privacy-attack.js [--schema uk-unhardened|uk|file.json] [--people 50000] [--seeds 101,202]
 *     [--public-seed 303] [--public-people 200000] [--sample 50000] [--variant name=json ...]
 */
import { csvParseRows } from 'd3-dsv';
import { SPINE_HEADER, spineRow } from '../datasets/formats.js';
import type { Person } from '../datasets/population.js';
import { emptySummary } from '../src/encoding/quality.js';
import { RecordEncoder } from '../src/encoding/recordEncoder.js';
import { compileSchema, readSchemaJson } from '../src/encoding/schema/load.js';
import { type AttackResult, simulatePatternMiningAttack } from '../src/reports/attacks/patternMining.js';
import {
  firstNameKey,
  generatePeople,
  generatorFrequencies,
  type PublicFrequencies,
  surnameKey,
} from '../src/reports/attacks/publicFrequencies.js';

export interface AttackPopulationOptions {
  /** A schema as JSON (e.g. PRESETS['uk-unhardened'] with hardening changed), or a preset name / file path. */
  readonly schema: unknown;
  readonly people?: number;
  /** Seed of the attacked population. */
  readonly seed?: number;
  /** The attacker's frequency lists; default the generator's, drawn with publicSeed. */
  readonly publicFrequencies?: PublicFrequencies;
  readonly publicSeed?: number;
  readonly publicPeople?: number;
  readonly sample?: number;
  readonly attackSeed?: number;
  readonly secret?: Uint8Array;
}

export interface AttackPopulationResult {
  readonly people: number;
  readonly results: readonly AttackResult[];
  readonly elapsedMs: number;
  readonly encodeMs: number;
}

/** Encodes people as spine rows with the schema; the filters in person order. */
export function encodePeople(schema: unknown, secret: Uint8Array, people: readonly Person[]): Uint8Array[] {
  const header = SPINE_HEADER.trim().split(',');
  const plan = compileSchema(schema, secret);
  const enc = new RecordEncoder(plan, header);
  const q = emptySummary(plan.fields.map((f) => f.column));
  return people.map((p) => enc.encode(csvParseRows(spineRow('S1', p))[0]!, q).clk);
}

/**
 * Draws a population, encodes it and runs the attack scored against the true names: what
 * bench/hardening.ts calls per hardening variant.
 */
export function attackEncodedPopulation(o: AttackPopulationOptions): AttackPopulationResult {
  const schema = typeof o.schema === 'string' ? readSchemaJson(o.schema) : o.schema;
  const people = generatePeople(o.people ?? 50_000, o.seed ?? 101);
  const secret = o.secret ?? new TextEncoder().encode('privacy attack bench secret (not the attacker’s)');
  const t0 = Date.now();
  const filters = encodePeople(schema, secret, people);
  const t1 = Date.now();
  const pub = o.publicFrequencies ?? generatorFrequencies(o.publicPeople ?? 200_000, o.publicSeed ?? 303);
  const results = simulatePatternMiningAttack({
    filters,
    publicFrequencies: pub,
    truth: {
      firstName: people.map((p) => firstNameKey(p.given)),
      surname: people.map((p) => surnameKey(p.family)),
    },
    ...(o.sample !== undefined ? { sample: o.sample } : {}),
    seed: o.attackSeed ?? 1,
  });
  return { people: people.length, results, elapsedMs: Date.now() - t1, encodeMs: t1 - t0 };
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

export function markdownRow(label: string, r: AttackPopulationResult): string {
  const f = r.results.find((x) => x.field === 'first name')!;
  const s = r.results.find((x) => x.field === 'surname')!;
  return `| ${label} | ${r.people.toLocaleString('en-GB')} | ${pct(f.reidentifiedRate)} | ${pct(f.baselineRate)} | ${pct(s.reidentifiedRate)} | ${pct(s.baselineRate)} | ${f.patternsMined} / ${s.patternsMined} | ${pct(f.valuesRecoverableShare)} / ${pct(s.valuesRecoverableShare)} | ${(r.elapsedMs / 1000).toFixed(1)} s |`;
}

export const MARKDOWN_HEADER =
  '| schema | people | first name re-identified | first name baseline | surname re-identified | surname baseline | patterns aligned (first / surname) | report-side "values recoverable" (first / surname) | attack time |\n|---|---|---|---|---|---|---|---|---|';

function arg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const schemaArg = arg(argv, '--schema') ?? 'uk-unhardened';
  const people = Number(arg(argv, '--people') ?? 50_000);
  const seeds = (arg(argv, '--seeds') ?? '101,202').split(',').map(Number);
  const publicSeed = Number(arg(argv, '--public-seed') ?? 303);
  const publicPeople = Number(arg(argv, '--public-people') ?? 200_000);
  const sample = arg(argv, '--sample');
  const base = readSchemaJson(schemaArg) as Record<string, unknown>;
  const variants: [string, unknown][] = [[schemaArg, base]];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--variant') continue;
    const [label, json] = [
      argv[i + 1]!.slice(0, argv[i + 1]!.indexOf('=')),
      argv[i + 1]!.slice(argv[i + 1]!.indexOf('=') + 1),
    ];
    variants.push([`${schemaArg} + ${label}`, { ...base, ...JSON.parse(json) }]);
  }
  if (argv.includes('--only-variants')) variants.shift();
  const pub = generatorFrequencies(publicPeople, publicSeed);
  process.stdout.write(`${MARKDOWN_HEADER}\n`);
  for (const [label, schema] of variants) {
    for (const seed of seeds) {
      const r = attackEncodedPopulation({
        schema,
        people,
        seed,
        publicFrequencies: pub,
        ...(sample !== undefined ? { sample: Number(sample) } : {}),
      });
      process.stdout.write(`${markdownRow(`${label} (seed ${seed})`, r)}\n`);
    }
  }
}

if (process.argv[1]?.endsWith('privacy-attack.js')) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
