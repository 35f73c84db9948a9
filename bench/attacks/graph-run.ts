/**
 * `npm run bench:graph-attack`: the similarity-graph matching attack (bench/attacks/graphMatching.ts)
 * against the unhardened UK schema (`uk-unhardened`) and its hardening variants (the second is
 * today's `uk`). A population is generated with the CLI, the
 * spine is encoded with each variant through the CLI under a secret the attacker never sees, and
 * each encoding is attacked with two plaintext lists of the same people: the spine itself (the
 * easiest case) and the generated hospital extract (80 % of the spine, with corruption, other
 * formats and duplicates). Two attackers: 'q-gram Dice' compares plain padded bigram sets of
 * the fields (the paper's setting); 'schema-aware' mirrors the published schema (each field's bit
 * budget as its weight, positional date tokens). Prints a markdown table.
 *
 *   node dist/bench/attacks/graph-run.js [--people 3000] [--seed 42] [--attack-seed 1]
 *     [--plain spine,hospital] [--target-degree 20] [--keep DIR]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { personIds, readEncodings, readPlainCsv, readTruth, schemaAwareFields } from './graphData.js';
import { graphMatchingAttack } from './graphMatching.js';

const CLI = resolve(fileURLToPath(new URL('../../src/cli/main.js', import.meta.url)));

function arg(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

const cli = (args: string[]): string =>
  execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export const VARIANTS: readonly [string, (base: Record<string, unknown>) => Record<string, unknown>][] = [
  ['uk (unhardened)', (b) => b],
  [
    '1024 bits, hashed at 2048, 1 XOR fold',
    (b) => ({ ...b, filter: { bits: 1024, hash: 'blake2s', xorFolds: 1 } }),
  ],
  [
    '1024 bits, hashed at 4096, 2 XOR folds',
    (b) => ({ ...b, filter: { bits: 1024, hash: 'blake2s', xorFolds: 2 } }),
  ],
  [
    '512 bits, hashed at 1024, 1 XOR fold',
    (b) => ({ ...b, filter: { bits: 512, hash: 'blake2s', xorFolds: 1 } }),
  ],
  [
    'salt: birth year',
    (b) => ({ ...b, hardening: { salt: { column: 'date_of_birth', component: 'year' } } }),
  ],
  ['balance (2048 bits)', (b) => ({ ...b, hardening: { balance: true } })],
  ['bit flip p = 0.02', (b) => ({ ...b, hardening: { bitFlip: { probability: 0.02 } } })],
];

const pct = (x: number | null, digits = 1): string => (x === null ? '–' : `${(100 * x).toFixed(digits)} %`);

async function main(argv: readonly string[]): Promise<void> {
  const people = Number(arg(argv, '--people') ?? 3000);
  const seed = Number(arg(argv, '--seed') ?? 42);
  const attackSeed = Number(arg(argv, '--attack-seed') ?? 1);
  const targetDegree = Number(arg(argv, '--target-degree') ?? 20);
  const plains = (arg(argv, '--plain') ?? 'spine,hospital').split(',');
  const keep = arg(argv, '--keep');
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'graph-attack-'));
  try {
    const pop = join(dir, 'pop');
    cli([
      'generate',
      '--people',
      String(people),
      '--seed',
      String(seed),
      '--out',
      pop,
      '--datasets',
      'hospital',
      '--overlap',
      '0.8',
    ]);
    const secretFile = join(dir, 'secret.txt');
    writeFileSync(secretFile, 'graph attack bench secret (the attacker never sees it)\n');
    const base = JSON.parse(cli(['schema', 'show', 'uk-unhardened'])) as Record<string, unknown>;
    const truth = readTruth(join(pop, 'truth.csv'));
    const plainSets = plains.map((name) => {
      const d = readPlainCsv(join(pop, `${name}.csv`));
      return { name, values: d.values, ids: personIds(d.refs, truth) };
    });
    process.stdout.write(
      `Graph-matching attack: ${people.toLocaleString('en-GB')} people, population seed ${seed}, attack seed ${attackSeed}, target degree ${targetDegree}\n\n` +
        '| variant | plaintext | attacker | records (encoded / plain / overlap) | re-identified | re-identified of overlap | confident matches | precision of confident | chance | time |\n' +
        '|---|---|---|---|---|---|---|---|---|---|\n',
    );
    for (const [label, make] of VARIANTS) {
      const schemaFile = join(dir, 'schema.json');
      writeFileSync(schemaFile, JSON.stringify(make(base)));
      const out = join(dir, 'spine.ndjson');
      cli([
        'encode',
        '--schema',
        schemaFile,
        '--secret-file',
        secretFile,
        '--input',
        join(pop, 'spine.csv'),
        '--output',
        out,
        '--workers',
        '0',
      ]);
      const enc = readEncodings(out);
      const encIds = personIds(enc.refs, truth);
      const aware = schemaAwareFields(base);
      for (const p of plainSets) {
        for (const attacker of ['q-gram Dice', 'schema-aware'] as const) {
          const r = graphMatchingAttack({
            encoded: enc.filters,
            plain: p.values,
            q: 2,
            seed: attackSeed,
            targetDegree,
            truth: { encoded: encIds, plain: p.ids },
            ...(attacker === 'schema-aware' ? { fields: aware } : {}),
          });
          process.stdout.write(
            `| ${label} | ${p.name} | ${attacker} | ${r.encodedRecords} / ${r.plainRecords} / ${r.overlap} | ${pct(r.reidentifiedRate)} | ${pct(r.overlapReidentifiedRate)} | ${r.confident} | ${pct(r.precision)} | ${pct(r.chanceRate, 3)} | ${(r.elapsedMs / 1000).toFixed(1)} s |\n`,
          );
        }
      }
    }
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('graph-run.js')) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
