import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CohortlinkError } from '../src/errors.js';
import { type ClinicalTruth, drawClinicalTruth } from './attributesModel.js';
import { OPT_OUT_DATASET, OPT_OUT_SPEC } from './attributesOptOut.js';
import { AttributeSink, PEOPLE_TRUTH_HEADER, peopleTruthRow } from './attributesWriter.js';
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
  /**
   * With attributes on: the opt-out register, every dataset's `.attributes.ndjson` (rows =
   * records) and `.events.csv` (rows = events), and truth.people.csv. Empty otherwise.
   */
  readonly attributeFiles: readonly GeneratedFile[];
  readonly elapsedMs: number;
}

/** Independent random streams, so that e.g. a corruption rate never changes who exists. */
const STREAM = { population: 1, membership: 2, nhs: 3, spineRef: 4, spineShuffle: 5, clinical: 6 } as const;
const DATASET_STREAM = { membership: 11, corruption: 12, refs: 13, shuffle: 14, events: 15 } as const;

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
  readonly attributes: AttributeSink | null;
  inSpineRecords = 0;
  outOfSpineRecords = 0;
  duplicateRecords = 0;

  constructor(
    readonly spec: ResolvedDataset,
    seed: number,
    readonly writer: BufferedWriter,
    truth: BufferedWriter,
    private readonly options: ResolvedOptions,
    attributeFiles: AttributeFiles | null = null,
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
    this.attributes =
      attributeFiles === null
        ? null
        : new AttributeSink(
            spec.format,
            new Rng(seed, mix32(h ^ DATASET_STREAM.shuffle)),
            new Rng(seed, mix32(h ^ DATASET_STREAM.events)),
            options.shuffleWindow,
            attributeFiles.attributes,
            attributeFiles.events,
          );
  }

  /** Decides whether the person is in this dataset (and twice, as a duplicate) and emits rows. */
  offer(p: Person, inSpine: boolean, clinical: ClinicalTruth | null): void {
    if (!this.membership.chance(this.spec.overlap)) return;
    this.emit(p, inSpine, clinical);
    if (this.membership.chance(this.options.duplicateRate)) {
      this.emit(p, inSpine, clinical);
      this.duplicateRecords++;
    }
  }

  /** One record of the person (the opt-out register calls this directly: membership is the person's flag). */
  emit(p: Person, inSpine: boolean, clinical: ClinicalTruth | null): void {
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
    if (clinical !== null) this.attributes?.push(ref, p, clinical);
    if (inSpine) this.inSpineRecords++;
    else this.outOfSpineRecords++;
  }
}

interface AttributeFiles {
  readonly attributes: BufferedWriter;
  readonly events: BufferedWriter;
}

/** Every file written when attributes are on, besides the ones written anyway. */
function attributeFileNames(o: ResolvedOptions): string[] {
  if (!o.attributes) return [];
  const perDataset = ['spine', ...o.datasets.map((d) => d.name)].flatMap((n) => [
    `${n}.attributes.ndjson`,
    `${n}.events.csv`,
  ]);
  return [`${OPT_OUT_DATASET}.csv`, ...perDataset, OPT_OUT_TRUTH, 'truth.people.csv'];
}

/**
 * The opt-out register's truth rows (same columns as truth.csv) go to a file of their own, so
 * truth.csv stays byte-identical whether attributes are on or off; the union of the two files
 * is the truth for every dataset.
 */
const OPT_OUT_TRUTH = 'truth.optout.csv';

/** The extra sinks and writers when attributes are on. */
interface AttributeOutputs {
  readonly spine: AttributeSink;
  readonly optOut: DatasetSink;
  readonly optOutTruth: BufferedWriter;
  readonly people: BufferedWriter;
  readonly clinical: Rng;
  readonly writers: readonly BufferedWriter[];
}

function openAttributeOutputs(o: ResolvedOptions, path: (n: string) => string): AttributeOutputs {
  const writer = (n: string): BufferedWriter => new BufferedWriter(`${path(n)}.partial`);
  const spineFiles = { attributes: writer('spine.attributes.ndjson'), events: writer('spine.events.csv') };
  const optOutTruth = writer(OPT_OUT_TRUTH);
  optOutTruth.push(TRUTH_HEADER);
  const optOut = new DatasetSink(OPT_OUT_SPEC, o.seed, writer(`${OPT_OUT_DATASET}.csv`), optOutTruth, o);
  optOut.writer.push(derivedHeader(OPT_OUT_DATASET));
  const people = writer('truth.people.csv');
  people.push(PEOPLE_TRUTH_HEADER);
  const spine = new AttributeSink(
    null,
    // Seeded like the spine's own shuffle window, so attribute lines follow spine.csv row order.
    new Rng(o.seed, STREAM.spineShuffle),
    new Rng(o.seed, STREAM.clinical + 100),
    o.shuffleWindow,
    spineFiles.attributes,
    spineFiles.events,
  );
  return {
    spine,
    optOut,
    optOutTruth,
    people,
    clinical: new Rng(o.seed, STREAM.clinical),
    writers: [spineFiles.attributes, spineFiles.events, optOut.writer, optOutTruth, people],
  };
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
  const extra = o.attributes ? openAttributeOutputs(o, path) : null;
  const sinks = o.datasets.map((d) => {
    const files =
      extra === null
        ? null
        : {
            attributes: new BufferedWriter(`${path(`${d.name}.attributes.ndjson`)}.partial`),
            events: new BufferedWriter(`${path(`${d.name}.events.csv`)}.partial`),
          };
    return new DatasetSink(
      d,
      o.seed,
      new BufferedWriter(`${path(`${d.name}.csv`)}.partial`),
      truth,
      o,
      files,
    );
  });
  const attributeWriters =
    extra === null ? [] : [...extra.writers, ...sinks.flatMap((s) => s.attributes!.writers)];
  const writers = [spine, ...sinks.map((s) => s.writer), truth, ...attributeWriters];
  const extraNames = attributeFileNames(o);
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
    const outOfSpinePeople = await run(o, spineWindow, sinks, writers, extra, onProgress);
    spineWindow.flush();
    for (const s of sinks) s.window.flush();
    for (const s of sinks) s.attributes?.flush();
    extra?.spine.flush();
    extra?.optOut.window.flush();
    for (const w of writers) await w.close();
    const report = buildCorruptionReport(o, sinks, outOfSpinePeople);
    await writeFile(`${path('corruption.json')}.partial`, `${JSON.stringify(report, null, 2)}\n`);
    const names = ['spine.csv', ...o.datasets.map((d) => `${d.name}.csv`), 'truth.csv', 'corruption.json'];
    for (const n of [...names, ...extraNames]) await rename(`${path(n)}.partial`, path(n));
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
      attributeFiles: extra === null ? [] : attributeSummary(path, extra, sinks),
      elapsedMs: performance.now() - started,
    };
  } catch (e) {
    for (const w of writers) w.destroy();
    const partials = [
      'spine.csv',
      'truth.csv',
      'corruption.json',
      ...o.datasets.map((d) => `${d.name}.csv`),
      ...extraNames,
    ];
    await Promise.allSettled(partials.map((n) => rm(`${path(n)}.partial`, { force: true })));
    throw e instanceof CohortlinkError ? e : outputError(e, o.outDir);
  }
}

async function run(
  o: ResolvedOptions,
  spine: ShuffleWindow,
  sinks: readonly DatasetSink[],
  writers: readonly BufferedWriter[],
  extra: AttributeOutputs | null,
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
      // Drawn from its own stream, so attributes on or off never changes anything else.
      const clinical = extra === null ? null : drawClinicalTruth(extra.clinical, p);
      if (inSpine) {
        const ref = spineRefs.next();
        spine.push(spineRow(ref, p), `${p.personId},spine,${ref}\n`);
        if (clinical !== null) extra!.spine.push(ref, p, clinical);
      }
      for (const s of sinks) s.offer(p, inSpine, clinical);
      if (clinical !== null) {
        extra!.people.push(peopleTruthRow(p, inSpine, clinical));
        if (clinical.optedOut) extra!.optOut.emit(p, inSpine, null);
      }
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

function attributeSummary(
  path: (n: string) => string,
  extra: AttributeOutputs,
  sinks: readonly DatasetSink[],
): GeneratedFile[] {
  const perDataset = [
    { name: 'spine', a: extra.spine },
    ...sinks.map((s) => ({ name: s.spec.name, a: s.attributes! })),
  ].flatMap(({ name, a }) => [
    { name: `${name}.attributes`, file: path(`${name}.attributes.ndjson`), rows: a.records },
    { name: `${name}.events`, file: path(`${name}.events.csv`), rows: a.events },
  ]);
  return [
    { name: OPT_OUT_DATASET, file: path(`${OPT_OUT_DATASET}.csv`), rows: extra.optOut.writer.rows - 1 },
    ...perDataset,
    { name: 'truth.optout', file: path(OPT_OUT_TRUTH), rows: extra.optOutTruth.rows - 1 },
    { name: 'truth.people', file: path('truth.people.csv'), rows: extra.people.rows - 1 },
  ];
}
