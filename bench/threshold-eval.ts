/**
 * Does the automatic threshold hold at every size, and are its estimates honest?
 *
 *   npm run bench:threshold -- [--sizes 10,200,1000,20000] [--seeds 1,2,3]
 *                              [--modes many-to-one,one-to-one] [--tasks febrl4,ncvr-p0p1,ncvr-p1p2]
 *
 * Each case is run as a user runs it: `cohortlink encode`, then `cohortlink link --truth` with
 * the default `--threshold auto`. Generated cases use the built-in `uk` schema (many-to-one:
 * hospital × spine; one-to-one: registry × spine with no duplicate records); the public tasks in
 * datasets/tasks/ use their own clkhash schemas (one-to-one). Per case it prints the chosen
 * threshold, the F1 there against the best F1 in hindsight (0.01 grid), and the estimated
 * precision and recall with their intervals beside the real ones. Real recall is given twice:
 * over every true pair, and over the true pairs among the links at the floor ("seen"), which is
 * what the model estimates (a pair blocking never proposed cannot be seen without the truth).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE_PARENT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PROJECT_ROOT = basename(HERE_PARENT) === 'dist' ? dirname(HERE_PARENT) : HERE_PARENT;
const CLI = join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const TASKS = join(PROJECT_ROOT, 'datasets', 'tasks');

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`cohortlink ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

interface Interval {
  readonly low: number;
  readonly high: number;
}

interface CurvePoint {
  readonly threshold: number;
  readonly links: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

interface Summary {
  readonly threshold: {
    threshold: number;
    method: string;
    estimatedPrecision: number;
    estimatedRecall: number;
    precisionInterval?: Interval;
    recallInterval?: Interval;
    basis?: string;
  };
  readonly evaluation: {
    precision: number;
    recall: number;
    f1: number;
    truePairs: number;
    bestF1: CurvePoint;
    curve: CurvePoint[];
  }[];
}

export interface CaseResult {
  readonly name: string;
  readonly threshold: number;
  readonly method: string;
  readonly f1: number;
  readonly bestF1: number;
  readonly bestAt: number;
  readonly precision: number;
  readonly estPrecision: number;
  readonly precisionInterval: Interval | undefined;
  readonly recall: number;
  readonly seenRecall: number;
  readonly estRecall: number;
  readonly recallInterval: Interval | undefined;
  readonly basis: string | undefined;
}

function encode(schema: string, secret: string, input: string, output: string): void {
  cli(['encode', '--schema', schema, '--secret-file', secret, '--input', input, '--output', output]);
}

export function linkCase(
  name: string,
  dir: string,
  left: string,
  right: string,
  mode: string,
  truth: string,
  extra: string[] = [],
): CaseResult {
  const out = join(dir, `${basename(left, '.ndjson')}-${mode}.links.csv`);
  cli([
    'link',
    '--left',
    left,
    '--right',
    right,
    '--mode',
    mode,
    '--output',
    out,
    '--truth',
    truth,
    ...extra,
  ]);
  const s = JSON.parse(readFileSync(out.replace(/\.csv$/, '.summary.json'), 'utf8')) as Summary;
  const e = s.evaluation[0]!;
  // Real recall relative to the true links among the links at the floor: what the model sees.
  const atFloor = e.curve[0]!;
  const seenTrue = atFloor.recall * e.truePairs;
  const tp = e.recall * e.truePairs;
  return {
    name,
    threshold: s.threshold.threshold,
    method: s.threshold.method,
    f1: e.f1,
    bestF1: e.bestF1.f1,
    bestAt: e.bestF1.threshold,
    precision: e.precision,
    estPrecision: s.threshold.estimatedPrecision,
    precisionInterval: s.threshold.precisionInterval,
    recall: e.recall,
    seenRecall: seenTrue > 0 ? tp / seenTrue : 1,
    estRecall: s.threshold.estimatedRecall,
    recallInterval: s.threshold.recallInterval,
    basis: s.threshold.basis,
  };
}

const f4 = (x: number) => x.toFixed(4);
const iv = (i: Interval | undefined) => (i === undefined ? '—' : `[${f4(i.low)}, ${f4(i.high)}]`);
const inside = (x: number, i: Interval | undefined) =>
  i === undefined ? '?' : x >= i.low - 1e-9 && x <= i.high + 1e-9 ? 'in' : 'OUT';

export function formatRow(r: CaseResult): string {
  return [
    r.name,
    `t ${r.threshold.toFixed(3)} ${r.method}${r.basis ? `/${r.basis}` : ''}`,
    `F1 ${f4(r.f1)} best ${f4(r.bestF1)}@${r.bestAt.toFixed(2)} Δ ${(r.f1 - r.bestF1).toFixed(4)}`,
    `P ${f4(r.precision)} est ${f4(r.estPrecision)} ${iv(r.precisionInterval)} ${inside(r.precision, r.precisionInterval)}`,
    `R ${f4(r.recall)} seen ${f4(r.seenRecall)} est ${f4(r.estRecall)} ${iv(r.recallInterval)} ${inside(r.seenRecall, r.recallInterval)}`,
  ].join(' | ');
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10,200,1000,20000' },
      seeds: { type: 'string', default: '1,2,3' },
      modes: { type: 'string', default: 'many-to-one,one-to-one' },
      tasks: { type: 'string', default: 'febrl4,ncvr-p0p1,ncvr-p1p2' },
      keep: { type: 'boolean', default: false },
      link: { type: 'string', default: '' },
    },
  });
  const list = (s: string) => s.split(',').filter((x) => x !== '');
  const extra = list(values.link);
  const work = mkdtempSync(join(tmpdir(), 'cohortlink-threshold-'));
  const rows: CaseResult[] = [];
  const show = (r: CaseResult) => {
    rows.push(r);
    console.log(formatRow(r));
  };
  try {
    for (const task of list(values.tasks)) {
      const dir = join(work, task);
      mkdirSync(dir);
      const t = join(TASKS, task);
      encode(join(t, 'schema.json'), join(t, 'secret.txt'), join(t, 'a.csv'), join(dir, 'a.ndjson'));
      encode(join(t, 'schema.json'), join(t, 'secret.txt'), join(t, 'b.csv'), join(dir, 'b.ndjson'));
      show(
        linkCase(
          task,
          dir,
          join(dir, 'a.ndjson'),
          join(dir, 'b.ndjson'),
          'one-to-one',
          join(t, 'truth.csv'),
          extra,
        ),
      );
    }
    const secret = join(work, 'secret.txt');
    writeFileSync(secret, 'threshold evaluation secret, not protecting anything\n');
    for (const size of list(values.sizes))
      for (const seed of list(values.seeds))
        for (const mode of list(values.modes)) {
          const dir = join(work, `${size}-${seed}-${mode}`);
          mkdirSync(dir);
          const dataset = mode === 'one-to-one' ? 'registry' : 'hospital';
          const config = join(dir, 'config.json');
          writeFileSync(
            config,
            JSON.stringify({
              datasets: [{ name: dataset }],
              attributes: false,
              ...(mode === 'one-to-one' ? { duplicateRate: 0 } : {}),
            }),
          );
          cli(['generate', '--people', size, '--seed', seed, '--out', dir, '--config', config]);
          encode('uk', secret, join(dir, `${dataset}.csv`), join(dir, `${dataset}.ndjson`));
          encode('uk', secret, join(dir, 'spine.csv'), join(dir, 'spine.ndjson'));
          show(
            linkCase(
              `${size}/${seed} ${mode}`,
              dir,
              join(dir, `${dataset}.ndjson`),
              join(dir, 'spine.ndjson'),
              mode,
              join(dir, 'truth.csv'),
              extra,
            ),
          );
          if (!values.keep) rmSync(dir, { recursive: true, force: true });
        }
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  const worst = rows.reduce((m, r) => Math.max(m, r.bestF1 - r.f1), 0);
  console.log(`\n${rows.length} cases; worst F1 shortfall against hindsight ${worst.toFixed(4)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
