import { readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { emptySummary } from '../src/encoding/quality.js';
import { RecordEncoder } from '../src/encoding/recordEncoder.js';
import { compileSchema } from '../src/encoding/schema/load.js';
import { CohortlinkError } from '../src/errors.js';
import { CandidateBuffer, FilterStore, selectKernel } from '../src/matching/kernel/index.js';
import { oneToOne } from '../src/matching/solve/index.js';
import {
  chooseThreshold,
  type Estimate,
  estimateAt,
  runnerUps,
  type ThresholdChoice,
} from '../src/matching/threshold/index.js';
import { type Confusion, evaluateLinks, indexTruth, sweep } from '../src/quality/evaluate.js';
import { readTruthPairs } from '../src/quality/truth.js';

/**
 * Linkage quality with an automatic threshold on public labelled data (the FEBRL4 and NCVR
 * tasks in datasets/tasks/, part of the repository): encode both files with
 * bench/schemas/*.json, all-pairs Dice at a low floor, greedy one-to-one,
 * choose the threshold without truth, then score the choice and the model's estimates against
 * the truth. `npm run bench:quality` prints the table; tests call linkDataset directly.
 */

/** The project root whether this runs from bench/ (vitest) or dist/bench/ (node). */
const HERE_PARENT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const PROJECT_ROOT = basename(HERE_PARENT) === 'dist' ? dirname(HERE_PARENT) : HERE_PARENT;

/** Fixed so runs are comparable; not a secret anyone uses for real data. */
export const QUALITY_SECRET = new TextEncoder().encode('cohortlink quality benchmark secret');
/** Candidates below this are not kept: far below any threshold the model picks on this data. */
export const QUALITY_FLOOR = 0.5;

/** The public two-party tasks, copied into the repository with their provenance (its README). */
export const TASKS_DIR = join(PROJECT_ROOT, 'datasets', 'tasks');

export interface DatasetSpec {
  readonly name: string;
  readonly left: string;
  readonly right: string;
  /** Every true pair, as `left_ref,right_ref`. */
  readonly truth: string;
  readonly schema: string;
  readonly refColumn: string;
  /** The anonlink suite's best F1 in hindsight on the task (datasets/tasks/README.md), for the table. */
  readonly anonlink: { readonly threshold: string; readonly f1: number };
}

/** FEBRL4 4a vs 4b (soc_sec_id not encoded), NCVR party 0 vs 1 and party 1 vs 2. */
export function qualityDatasets(tasksDir = TASKS_DIR): DatasetSpec[] {
  const task = (
    name: string,
    dir: string,
    schema: string,
    anonlink: DatasetSpec['anonlink'],
  ): DatasetSpec => ({
    name,
    left: join(tasksDir, dir, 'a.csv'),
    right: join(tasksDir, dir, 'b.csv'),
    truth: join(tasksDir, dir, 'truth.csv'),
    schema: join(PROJECT_ROOT, 'bench', 'schemas', schema),
    refColumn: 'ref',
    anonlink,
  });
  return [
    task('FEBRL4 4a vs 4b', 'febrl4', 'febrl4.json', { threshold: '0.60–0.70', f1: 1 }),
    task('NCVR party 0 vs 1', 'ncvr-p0p1', 'ncvr.json', { threshold: '0.85', f1: 0.9784 }),
    task('NCVR party 1 vs 2', 'ncvr-p1p2', 'ncvr.json', { threshold: '0.85', f1: 0.9749 }),
  ];
}

export interface EncodedFile {
  readonly refs: string[];
  readonly store: FilterStore;
}

/** Encodes a CSV in-process (values trimmed: FEBRL separates them with ", "). */
export function encodeCsv(path: string, schema: unknown, secret: Uint8Array, refColumn: string): EncodedFile {
  const rows = parse(readFileSync(path), {
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as string[][];
  const header = rows[0] ?? [];
  const refAt = header.indexOf(refColumn);
  if (refAt < 0)
    throw new CohortlinkError('CL_CSV_HEADER', `'${path}' has no column '${refColumn}'`, [
      { path: `${path} header.${refColumn}`, message: 'not found' },
    ]);
  const plan = compileSchema(schema, secret);
  const encoder = new RecordEncoder(plan, header);
  const quality = emptySummary(plan.fields.map((f) => f.column));
  const kernel = selectKernel('wasm');
  const store = FilterStore.allocate(rows.length - 1, plan.filterBits, { allocator: kernel.allocator });
  const refs: string[] = [];
  for (let r = 1; r < rows.length; r++) {
    store.set(r - 1, encoder.encodeInto(rows[r]!, quality).clk);
    refs.push(rows[r]![refAt]!);
  }
  return { refs, store };
}

export interface DatasetQuality {
  readonly spec: DatasetSpec;
  readonly leftCount: number;
  readonly rightCount: number;
  readonly truePairs: number;
  readonly choice: ThresholdChoice;
  /** The real quality at the chosen threshold. */
  readonly real: Confusion;
  /** Estimated vs real at the chosen threshold ± 0.02 and ± 0.05. */
  readonly around: readonly { readonly estimate: Estimate; readonly real: Confusion }[];
}

export function linkDataset(
  spec: DatasetSpec,
  secret = QUALITY_SECRET,
  floor = QUALITY_FLOOR,
): DatasetQuality {
  const schema = JSON.parse(readFileSync(spec.schema, 'utf8'));
  const A = encodeCsv(spec.left, schema, secret, spec.refColumn);
  const B = encodeCsv(spec.right, schema, secret, spec.refColumn);
  const kernel = selectKernel('wasm');
  const candidates = new CandidateBuffer();
  kernel.compare(A.store, 0, A.store.count, B.store, 0, B.store.count, floor, candidates);
  const links = oneToOne(candidates, {
    leftCount: A.store.count,
    rightCount: B.store.count,
    threshold: floor,
  });
  const rivals = runnerUps(candidates, links, A.store.count, B.store.count);
  const choice = chooseThreshold({
    scores: links.score,
    leftRunnerUp: rivals.left,
    rightRunnerUp: rivals.right,
    length: links.length,
    floor,
    leftCount: A.store.count,
    rightCount: B.store.count,
  });
  const truth = indexTruth(readTruthPairs(spec.truth), A.refs, B.refs);
  const offsets = [-0.05, -0.02, 0.02, 0.05];
  const ts = offsets.map((d) => Math.round((choice.threshold + d) * 1000) / 1000);
  const reals = sweep(links, truth, ts);
  return {
    spec,
    leftCount: A.store.count,
    rightCount: B.store.count,
    truePairs: truth.pairs,
    choice,
    real: evaluateLinks(links, truth, choice.threshold),
    around: ts.map((t, i) => ({ estimate: estimateAt(choice.model, t), real: reals[i]! })),
  };
}

const f4 = (x: number) => Number(x.toFixed(4));

export function printQuality(results: readonly DatasetQuality[]): void {
  console.log('\nLinkage quality, automatic threshold (no ground truth used to choose it)');
  console.table(
    results.flatMap((r) => [
      {
        data: r.spec.name,
        system: 'cohortlink, automatic',
        threshold: r.choice.threshold,
        'est. precision': f4(r.choice.estimatedPrecision),
        'est. recall': f4(r.choice.estimatedRecall),
        precision: f4(r.real.precision),
        recall: f4(r.real.recall),
        F1: f4(r.real.f1),
      },
      {
        data: r.spec.name,
        system: 'anonlink, best in hindsight',
        threshold: r.spec.anonlink.threshold,
        'est. precision': '',
        'est. recall': '',
        precision: '',
        recall: '',
        F1: r.spec.anonlink.f1.toFixed(4),
      },
    ]),
  );
  console.log('Estimates around the chosen threshold (estimated / real)');
  console.table(
    results.flatMap((r) =>
      r.around.map((a) => ({
        data: r.spec.name,
        threshold: a.estimate.threshold,
        precision: `${a.estimate.precision.toFixed(4)} / ${a.real.precision.toFixed(4)}`,
        recall: `${a.estimate.recall.toFixed(4)} / ${a.real.recall.toFixed(4)}`,
        F1: `${a.estimate.f1.toFixed(4)} / ${a.real.f1.toFixed(4)}`,
      })),
    ),
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printQuality(qualityDatasets().map((s) => linkDataset(s)));
}
