/**
 * How well conservative exclusion matching finds opted-out people, and what it costs, on
 * generated populations the tests never see (other seeds, other sizes):
 *
 *   npm run bench:exclusion -- --people 20000 --seeds 11,12,13 [--schema uk|FILE]
 *
 * For each population: generate (datasets/), encode every file with the built-in schema (the
 * CLI, as a data holder would), match spine, hospital and registry against the opt-out register
 * (matchExclusions), and score against the generator's truth: recall = opted-out people's
 * records excluded / all their records; false exclusions = other records excluded / all other
 * records. Prints one row per population and dataset, and the thresholds chosen.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { matchExclusions } from '../src/matching/exclude/matchExclusions.js';

const HERE_PARENT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PROJECT_ROOT = basename(HERE_PARENT) === 'dist' ? dirname(HERE_PARENT) : HERE_PARENT;
const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const TARGETS = ['spine', 'hospital', 'registry'] as const;

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cohortlink ${args[0]} failed: ${r.stderr}`);
}

const rows = (path: string): string[][] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

async function population(people: number, seed: number, schema: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cohortlink-exclusion-bench-'));
  try {
    cli(['generate', '--people', String(people), '--seed', String(seed), '--out', dir]);
    writeFileSync(join(dir, 'secret.txt'), `exclusion bench ${seed}\n`);
    for (const ds of [...TARGETS, 'optout'])
      cli([
        'encode',
        '--schema',
        schema,
        '--secret-file',
        join(dir, 'secret.txt'),
        '--input',
        join(dir, `${ds}.csv`),
        '--output',
        join(dir, `${ds}.ndjson`),
        '--workers',
        '1',
      ]);
    const optedOut = new Set(
      rows(join(dir, 'truth.people.csv'))
        .filter((r) => r[8] === '1')
        .map((r) => r[0]!),
    );
    const t0 = performance.now();
    const result = await matchExclusions({
      targets: TARGETS.map((name) => ({ name, path: join(dir, `${name}.ndjson`) })),
      sources: [{ name: 'optout', path: join(dir, 'optout.ndjson'), reason: 'optout' }],
      // The link threshold the service would pass; the Dice rule stays within its band anyway.
      linkThreshold: 0.8,
      floor: 0.5,
      workers: 1,
    });
    const seconds = (performance.now() - t0) / 1000;
    for (const name of TARGETS) {
      const excluded = result.excluded.get(name)!;
      let hit = 0;
      let miss = 0;
      let falseExcl = 0;
      let others = 0;
      for (const [person, ds, ref] of rows(join(dir, 'truth.csv'))) {
        if (ds !== name) continue;
        if (optedOut.has(person!)) excluded.has(ref!) ? hit++ : miss++;
        else {
          others++;
          if (excluded.has(ref!)) falseExcl++;
        }
      }
      const pair = result.pairs.find((p) => p.target === name)!;
      process.stdout.write(
        `| ${people} | ${seed} | ${name} | ${hit + miss} | ${((100 * hit) / Math.max(1, hit + miss)).toFixed(2)} % (${miss} missed) | ${((100 * falseExcl) / Math.max(1, others)).toFixed(2)} % (${falseExcl} of ${others}) | ${pair.threshold} / ${pair.oneKeyDice} | ${pair.byKeys} / ${pair.byScoreOnly} |\n`,
      );
    }
    process.stderr.write(`seed ${seed}: matched in ${seconds.toFixed(1)} s\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '20000' },
    seeds: { type: 'string', default: '11,12,13' },
    /** A built-in schema name or a schema file (to measure a hardened variant). */
    schema: { type: 'string', default: 'uk' },
  },
});
process.stdout.write(
  '| people | seed | dataset | opted-out records | recall | false exclusions | Dice threshold / one-key Dice | tied by keys / by Dice only |\n|---|---|---|---|---|---|---|---|\n',
);
for (const seed of values.seeds.split(',').map(Number))
  await population(Number(values.people), seed, values.schema);
