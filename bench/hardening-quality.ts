/**
 * What each hardening option costs in linkage quality, end to end as a user runs it:
 *
 *   npm run bench:hardening-quality -- [--people 20000] [--seed 21] [--attack-people 50000]
 *
 * For each variant, the three public tasks in datasets/tasks/ (their own clkhash v3 schemas,
 * one-to-one) and a generated population (the built-in `uk-unhardened` schema, hospital × spine
 * many-to-one; its 'XOR fold, hash 2× then fold' variant is today's `uk`) are encoded with `cohortlink encode`, linked with `cohortlink link --truth`, and
 * the F1 at the automatic threshold and the best F1 in hindsight are printed beside the
 * unhardened figure, and beside it both attacks' success on the same variant: the pattern-mining
 * attack (bench/privacy-attack.ts) and the schema-aware graph-matching attack
 * (bench/attacks/graphMatching.ts). Folding is expressed in each format's own terms: clkhash's `l` and
 * `xor_folds`, cohortlink's `filter.bits` and `filter.xorFolds`; other hardening applies to
 * cohortlink schemas only (clkhash has none of it).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  personIds,
  readEncodings as readGraphEncodings,
  readPlainCsv,
  readTruth,
  schemaAwareFields,
} from './attacks/graphData.js';
import { graphMatchingAttack } from './attacks/graphMatching.js';
import { attackEncodedPopulation } from './privacy-attack.js';

const HERE_PARENT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PROJECT_ROOT = basename(HERE_PARENT) === 'dist' ? dirname(HERE_PARENT) : HERE_PARENT;
const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const TASKS = join(PROJECT_ROOT, 'datasets', 'tasks');

type Json = Record<string, unknown>;

interface Variant {
  readonly name: string;
  /** The clkhash schema changed, or null when the variant has no clkhash form. */
  readonly clkhash: ((s: Json) => Json) | null;
  readonly cohortlink: (s: Json) => Json;
}

const clkConfig = (s: Json, change: Json): Json => ({
  ...s,
  clkConfig: { ...(s.clkConfig as Json), ...change },
});
const filter = (s: Json, change: Json): Json => ({ ...s, filter: { ...(s.filter as Json), ...change } });

const VARIANTS: readonly Variant[] = [
  { name: 'none', clkhash: (s) => s, cohortlink: (s) => s },
  {
    name: 'XOR fold, hash 2× then fold (length kept)',
    clkhash: (s) => clkConfig(s, { xor_folds: 1 }),
    cohortlink: (s) => filter(s, { xorFolds: 1 }),
  },
  {
    name: 'XOR fold twice, hash 4× (length kept)',
    clkhash: (s) => clkConfig(s, { xor_folds: 2 }),
    cohortlink: (s) => filter(s, { xorFolds: 2 }),
  },
  {
    name: 'XOR fold to half length',
    clkhash: (s) => clkConfig(s, { l: ((s.clkConfig as Json).l as number) / 2, xor_folds: 1 }),
    cohortlink: (s) => filter(s, { bits: ((s.filter as Json).bits as number) / 2, xorFolds: 1 }),
  },
  {
    name: 'salt: birth year',
    clkhash: null,
    cohortlink: (s) => ({ ...s, hardening: { salt: { column: 'date_of_birth', component: 'year' } } }),
  },
  { name: 'balance', clkhash: null, cohortlink: (s) => ({ ...s, hardening: { balance: true } }) },
  {
    name: 'bit flip p=0.02',
    clkhash: null,
    cohortlink: (s) => ({ ...s, hardening: { bitFlip: { probability: 0.02 } } }),
  },
];

function cli(args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cohortlink ${args[0]} failed: ${r.stderr.slice(-2000)}`);
}

interface Quality {
  readonly auto: number;
  readonly best: number;
  readonly bestAt: number;
}

/** Encodes both sides with `schema`, links with `--truth`, and reads F1 from the summary. */
function linkQuality(
  dir: string,
  schema: Json,
  secretFile: string,
  sides: { left: [string, string]; right: [string, string] },
  linkArgs: string[],
  truth: string,
): Quality {
  mkdirSync(dir, { recursive: true });
  const schemaFile = join(dir, 'schema.json');
  writeFileSync(schemaFile, JSON.stringify(schema));
  const out = (name: string) => join(dir, `${name}.ndjson`);
  for (const [name, csv] of [sides.left, sides.right])
    cli([
      'encode',
      '--schema',
      schemaFile,
      '--secret-file',
      secretFile,
      '--input',
      csv,
      '--output',
      out(name),
      '--workers',
      '1',
    ]);
  cli([
    'link',
    '--left',
    out(sides.left[0]),
    '--right',
    out(sides.right[0]),
    '--output',
    join(dir, 'links.csv'),
    '--truth',
    truth,
    '--workers',
    '1',
    ...linkArgs,
  ]);
  const summary = JSON.parse(readFileSync(join(dir, 'links.summary.json'), 'utf8')) as {
    evaluation: { f1: number; bestF1: { f1: number; threshold: number } }[];
  };
  const e = summary.evaluation[0]!;
  return { auto: e.f1, best: e.bestF1.f1, bestAt: e.bestF1.threshold };
}

const fmt = (q: Quality | undefined, base: Quality | undefined): string =>
  q === undefined
    ? '—'
    : `${q.auto.toFixed(4)} / ${q.best.toFixed(4)} (${base === undefined ? '' : `${q.best - base.best >= 0 ? '+' : ''}${(q.best - base.best).toFixed(4)}, `}t ${q.bestAt.toFixed(2)})`;

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '21' },
    /** People in the pattern-mining attack's populations (0 skips both attacks). */
    'attack-people': { type: 'string', default: '50000' },
  },
});
const attackPeople = Number(values['attack-people']);
/** Spine records the graph-matching attack is run on (all pairs). */
const GRAPH_RECORDS = 3000;

/** Both attacks on one schema variant: pattern mining on its own population, graph matching on the spine. */
function attacks(schema: Json, spineEncodings: string, gen: string): string[] {
  if (attackPeople === 0) return ['—', '—'];
  const pm = attackEncodedPopulation({ schema, people: attackPeople, seed: 101, publicSeed: 303 }).results;
  const rate = (f: string) => {
    const r = pm.find((x) => x.field === f)!;
    return `${((r.reidentifiedRate ?? 0) * 100).toFixed(1)} % (${(r.baselineRate * 100).toFixed(1)})`;
  };
  const truth = readTruth(join(gen, 'truth.csv'));
  const plain = readPlainCsv(join(gen, 'spine.csv'));
  const enc = readGraphEncodings(spineEncodings);
  // The same 3,000 spine people on both sides (encodings keep the CSV's order): sampling each
  // side on its own would leave almost no overlap to find.
  const n = Math.min(GRAPH_RECORDS, enc.refs.length, plain.refs.length);
  const g = graphMatchingAttack({
    encoded: enc.filters.slice(0, n),
    plain: plain.values.slice(0, n),
    q: 2,
    seed: 1,
    maxRecords: n,
    fields: schemaAwareFields(schema),
    truth: {
      encoded: personIds(enc.refs.slice(0, n), truth),
      plain: personIds(plain.refs.slice(0, n), truth),
    },
  });
  return [`${rate('first name')} / ${rate('surname')}`, `${(g.reidentifiedRate * 100).toFixed(1)} %`];
}
const work = mkdtempSync(join(tmpdir(), 'cohortlink-hardening-'));
try {
  const gen = join(work, 'generated');
  cli(['generate', '--people', values.people, '--seed', values.seed, '--out', gen]);
  const secret = join(work, 'secret.txt');
  writeFileSync(secret, 'hardening quality bench secret\n');
  const schemaShow = spawnSync(process.execPath, [CLI, 'schema', 'show', 'uk-unhardened'], {
    encoding: 'utf8',
  });
  const uk = JSON.parse(schemaShow.stdout) as Json;
  const tasks = ['febrl4', 'ncvr-p0p1', 'ncvr-p1p2'];
  const header = [
    'variant',
    ...tasks,
    `generated ${values.people} (uk-unhardened, many-to-one)`,
    `pattern mining, ${attackPeople} people: first / surname re-identified (guessing)`,
    'graph matching, schema-aware, 3,000 spine records',
  ];
  process.stdout.write(
    `F1 cells: F1 at the automatic threshold / best F1 in hindsight (change from none, its threshold)\n\n| ${header.join(' | ')} |\n|${header.map(() => '---|').join('')}\n`,
  );
  const baseline: Record<string, Quality> = {};
  for (const [v, variant] of VARIANTS.entries()) {
    const cells: string[] = [];
    for (const task of tasks) {
      const t = join(TASKS, task);
      const schema = JSON.parse(readFileSync(join(t, 'schema.json'), 'utf8')) as Json;
      const q =
        variant.clkhash === null
          ? undefined
          : linkQuality(
              join(work, `${task}-${v}`),
              variant.clkhash(schema),
              join(t, 'secret.txt'),
              { left: ['a', join(t, 'a.csv')], right: ['b', join(t, 'b.csv')] },
              [],
              join(t, 'truth.csv'),
            );
      if (v === 0 && q !== undefined) baseline[task] = q;
      cells.push(fmt(q, v === 0 ? undefined : baseline[task]));
    }
    const g = linkQuality(
      join(work, `generated-${v}`),
      variant.cohortlink(uk),
      secret,
      { left: ['hospital', join(gen, 'hospital.csv')], right: ['spine', join(gen, 'spine.csv')] },
      ['--mode', 'many-to-one'],
      join(gen, 'truth.csv'),
    );
    if (v === 0) baseline.generated = g;
    cells.push(fmt(g, v === 0 ? undefined : baseline.generated));
    cells.push(...attacks(variant.cohortlink(uk), join(work, `generated-${v}`, 'spine.ndjson'), gen));
    process.stdout.write(`| ${variant.name} | ${cells.join(' | ')} |\n`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
