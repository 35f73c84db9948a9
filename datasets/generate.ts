import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CohortlinkError } from '../src/errors.js';
import {
  type GenerateOptionsInput,
  type ResolvedDataset,
  type ResolvedOptions,
  resolveOptions,
} from './config.js';
import { CorruptionTally, corruptRecord } from './corruptRecord.js';
import { BufferedWriter } from './csvWriter.js';
import {
  derivedHeader,
  derivedRowFormatter,
  type RowFormatter,
  SPINE_HEADER,
  spineRow,
  TRUTH_HEADER,
} from './formats.js';
import { NhsNumberSource, RefSource } from './ids.js';
import { type Person, PopulationGenerator } from './population.js';
import { buildCorruptionReport } from './report.js';
import { mix32, Rng } from './rng.js';
import { ShuffleWindow } from './shuffleWindow.js';

/**
 * `generatePopulation`: one pass over a synthetic population, a household at a time, writing the
 * spine, every derived dataset and the truth file together. Per-person state is the household in
 * hand; per-dataset state is one shuffle window of rows per file (so files are not in generation order).
 */

export interface GenerateOptions extends GenerateOptionsInput {
  /** Called every 10,000 spine people and at the end. */
  onProgress?: (done: number, total: number) => void;
}

export interface GeneratedFile {
  readonly name: string;
  readonly file: string;
  /** Data rows, not counting the header. */
  readonly rows: number;
}

export interface GenerateSummary {
  readonly outDir: string;
  readonly people: number;
  readonly outOfSpinePeople: number;
  readonly files: readonly GeneratedFile[];
  readonly elapsedMs: number;
}

/** Independent random streams, so that e.g. a corruption rate never changes who exists. */
const STREAM = { population: 1, membership: 2, nhs: 3, spineRef: 4, spineShuffle: 5 } as const;
const DATASET_STREAM = { membership: 11, corruption: 12, refs: 13, shuffle: 14 } as const;

function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const PROGRESS_EVERY = 10_000;

class DatasetSink {
  readonly tally = new CorruptionTally();
  readonly membership: Rng;
  private readonly corruption: Rng;
  private readonly refs: RefSource;
  private readonly format: RowFormatter;
  readonly window: ShuffleWindow;
  inSpineRecords = 0;
  outOfSpineRecords = 0;
  duplicateRecords = 0;

  constructor(
    readonly spec: ResolvedDataset,
    seed: number,
    readonly writer: BufferedWriter,
    truth: BufferedWriter,
    private readonly options: ResolvedOptions,
  ) {
    const h = nameHash(spec.name);
    this.membership = new Rng(seed, mix32(h ^ DATASET_STREAM.membership));
    this.corruption = new Rng(seed, mix32(h ^ DATASET_STREAM.corruption));
    this.window = new ShuffleWindow(
      new Rng(seed, mix32(h ^ DATASET_STREAM.shuffle)),
      options.shuffleWindow,
      writer,
      truth,
    );
    const prefix = spec.name[0]!.toUpperCase();
    this.refs = new RefSource(new Rng(seed, mix32(h ^ DATASET_STREAM.refs)), prefix);
    this.format = derivedRowFormatter(spec.format);
  }

  /** Decides whether the person is in this dataset (and twice, as a duplicate) and emits rows. */
  offer(p: Person, inSpine: boolean): void {
    if (!this.membership.chance(this.spec.overlap)) return;
    this.emit(p, inSpine);
    if (this.membership.chance(this.options.duplicateRate)) {
      this.emit(p, inSpine);
      this.duplicateRecords++;
    }
  }

  private emit(p: Person, inSpine: boolean): void {
    const heavy = this.spec.heavyRates !== null && p.region === this.options.heavyRegion;
    if (heavy) this.tally.heavyRegionRecords++;
    const record = corruptRecord(
      this.corruption,
      p,
      heavy ? this.spec.heavyRates! : this.spec.rates,
      this.tally,
    );
    const ref = this.refs.next();
    this.window.push(this.format(ref, record), `${p.personId},${this.spec.name},${ref}\n`);
    if (inSpine) this.inSpineRecords++;
    else this.outOfSpineRecords++;
  }
}

function outputError(e: unknown, outDir: string): CohortlinkError {
  const err = e as NodeJS.ErrnoException;
  return new CohortlinkError(
    'CL_OUTPUT_UNWRITABLE',
    `could not write to ${outDir}: ${err.code ?? err.message ?? String(e)}`,
    [],
    { cause: e },
  );
}

/**
 * Generates the spine, the derived datasets, truth.csv and corruption.json into `outDir`.
 * Files are written as `<name>.partial` and renamed only when everything succeeded, so a failed
 * run never leaves a half-written file that looks complete. Deterministic for given options.
 */
export async function generatePopulation(options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const { onProgress, ...rest } = options;
  const o = resolveOptions(rest);
  try {
    await mkdir(o.outDir, { recursive: true });
  } catch (e) {
    throw outputError(e, o.outDir);
  }
  const path = (name: string): string => join(o.outDir, name);
  const spine = new BufferedWriter(`${path('spine.csv')}.partial`);
  const truth = new BufferedWriter(`${path('truth.csv')}.partial`);
  const sinks = o.datasets.map(
    (d) => new DatasetSink(d, o.seed, new BufferedWriter(`${path(`${d.name}.csv`)}.partial`), truth, o),
  );
  const writers = [spine, ...sinks.map((s) => s.writer), truth];
  try {
    spine.push(SPINE_HEADER);
    truth.push(TRUTH_HEADER);
    for (const s of sinks) s.writer.push(derivedHeader(s.spec.name));
    const spineWindow = new ShuffleWindow(
      new Rng(o.seed, STREAM.spineShuffle),
      o.shuffleWindow,
      spine,
      truth,
    );
    const outOfSpinePeople = await run(o, spineWindow, sinks, writers, onProgress);
    spineWindow.flush();
    for (const s of sinks) s.window.flush();
    for (const w of writers) await w.close();
    const report = buildCorruptionReport(o, sinks, outOfSpinePeople);
    await writeFile(`${path('corruption.json')}.partial`, `${JSON.stringify(report, null, 2)}\n`);
    const names = ['spine.csv', ...o.datasets.map((d) => `${d.name}.csv`), 'truth.csv', 'corruption.json'];
    for (const n of names) await rename(`${path(n)}.partial`, path(n));
    const files: GeneratedFile[] = [
      { name: 'spine', file: path('spine.csv'), rows: spine.rows - 1 },
      ...sinks.map((s) => ({ name: s.spec.name, file: path(`${s.spec.name}.csv`), rows: s.writer.rows - 1 })),
      { name: 'truth', file: path('truth.csv'), rows: truth.rows - 1 },
    ];
    return {
      outDir: o.outDir,
      people: o.people,
      outOfSpinePeople,
      files,
      elapsedMs: performance.now() - started,
    };
  } catch (e) {
    for (const w of writers) w.destroy();
    const partials = ['spine.csv', 'truth.csv', 'corruption.json', ...o.datasets.map((d) => `${d.name}.csv`)];
    await Promise.allSettled(partials.map((n) => rm(`${path(n)}.partial`, { force: true })));
    throw e instanceof CohortlinkError ? e : outputError(e, o.outDir);
  }
}

async function run(
  o: ResolvedOptions,
  spine: ShuffleWindow,
  sinks: readonly DatasetSink[],
  writers: readonly BufferedWriter[],
  onProgress: GenerateOptions['onProgress'],
): Promise<number> {
  const membership = new Rng(o.seed, STREAM.membership);
  const population = new PopulationGenerator(
    new Rng(o.seed, STREAM.population),
    new NhsNumberSource(new Rng(o.seed, STREAM.nhs)),
  );
  const spineRefs = new RefSource(new Rng(o.seed, STREAM.spineRef), 'S');
  let personId = 0;
  const nextPersonId = (): number => ++personId;
  let spineCount = 0;
  let outOfSpine = 0;
  let nextProgress = PROGRESS_EVERY;
  while (spineCount < o.people) {
    const inSpine = !membership.chance(o.outOfSpineRate);
    const household = population.household(inSpine ? o.people - spineCount : 5, nextPersonId);
    for (const p of household) {
      if (inSpine) {
        const ref = spineRefs.next();
        spine.push(spineRow(ref, p), `${p.personId},spine,${ref}\n`);
      }
      for (const s of sinks) s.offer(p, inSpine);
    }
    if (inSpine) spineCount += household.length;
    else outOfSpine += household.length;
    for (const w of writers) if (w.full) await w.flush();
    if (spineCount >= nextProgress && spineCount < o.people) {
      onProgress?.(spineCount, o.people);
      nextProgress += PROGRESS_EVERY;
    }
  }
  onProgress?.(spineCount, o.people);
  return outOfSpine;
}
