/**
 * Subgroup link rates (issue 6, §1, "subgroup bias"): per dataset, the share of records linked
 * by age band, sex and region, with groups whose rate differs markedly from everyone else's
 * flagged (subgroupStats.ts). Under-linked groups are under-invited, and reviewers must see it.
 *
 * A record is linked when its linkage key is in another dataset's keys file of the run (dedup,
 * one dataset: when another record holds its key). Demographics come from the dataset's
 * attributes file, read and validated by the cohort reader; a record of the keys file without
 * an attributes line falls in every dimension's unknown group. Only counts leave this module:
 * refs and keys are used to join and then dropped.
 */
import { readAttributes, SEX_CODE, UNKNOWN_REGION } from '../cohort/attributes/readAttributes.js';
import { CohortlinkError } from '../errors.js';
import { type LinkedRecords, linkedRecords } from './linkedRecords.js';
import {
  AGE_BAND_LABELS,
  ageBand,
  type FlagThresholds,
  type GroupCount,
  groupRows,
  parseAsOf,
  SUBGROUP_DEFAULTS,
  type SubgroupOptions,
  type SubgroupRow,
  subgroupOptionsSchema,
  todayIso,
  UNKNOWN_AGE_BAND,
} from './subgroupStats.js';

export interface SubgroupSource {
  readonly dataset: string;
  readonly keysPath: string;
  readonly attributesPath: string;
}

export type SubgroupDimensionName = 'age band' | 'sex' | 'region';

export interface SubgroupDimension {
  readonly dimension: SubgroupDimensionName;
  readonly rows: readonly SubgroupRow[];
}

export interface SubgroupDataset {
  readonly dataset: string;
  readonly records: number;
  readonly linked: number;
  readonly rate: number;
  /** Records of the keys file with no line in the attributes file (unknown in every dimension). */
  readonly recordsWithoutAttributes: number;
  readonly dimensions: readonly SubgroupDimension[];
  /** Rows flagged under- or over-linked, over all dimensions. */
  readonly flagged: number;
}

export interface SubgroupSection {
  /** The date ages are taken at (YYYY-MM-DD). */
  readonly asOf: string;
  readonly minDifference: number;
  readonly minZ: number;
  readonly minGroup: number;
  /** What "linked" means for this run: its key is in another dataset, or (dedup) on another record. */
  readonly linkedMeans: 'key in another dataset' | 'key on another record';
  readonly datasets: readonly SubgroupDataset[];
}

const SEX_LABELS: Record<number, string> = {
  [SEX_CODE.F]: 'female',
  [SEX_CODE.M]: 'male',
  [SEX_CODE.I]: 'indeterminate',
  [SEX_CODE.U]: 'unknown',
};
const SEX_ORDER = [SEX_CODE.F, SEX_CODE.M, SEX_CODE.I, SEX_CODE.U];

export async function subgroupLinkRates(
  runDatasets: readonly { dataset: string; keysPath: string }[],
  sources: readonly SubgroupSource[],
  options: SubgroupOptions = {},
): Promise<SubgroupSection> {
  const parsed = subgroupOptionsSchema.safeParse(options);
  if (!parsed.success)
    throw new CohortlinkError(
      'CL_USAGE',
      'invalid subgroup options',
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(options)', message: i.message })),
    );
  const o = parsed.data;
  const asOf = parseAsOf(o.asOf ?? todayIso(), 'asOf');
  const thresholds: FlagThresholds = {
    minDifference: o.minDifference ?? SUBGROUP_DEFAULTS.minDifference,
    minZ: o.minZ ?? SUBGROUP_DEFAULTS.minZ,
    minGroup: o.minGroup ?? SUBGROUP_DEFAULTS.minGroup,
  };
  checkSources(runDatasets, sources);

  // A source's keys file stands for its dataset's (they are the same file when called as intended).
  const keysPathOf = (d: { dataset: string; keysPath: string }): string =>
    sources.find((s) => s.dataset === d.dataset)?.keysPath ?? d.keysPath;
  const linked = linkedRecords(runDatasets.map((d) => ({ dataset: d.dataset, keysPath: keysPathOf(d) })));
  const datasets: SubgroupDataset[] = [];
  for (const src of sources) {
    const k = runDatasets.findIndex((d) => d.dataset === src.dataset);
    datasets.push(await datasetRates(src, linked[k]!, asOf, thresholds));
  }
  return {
    asOf: asOf.iso,
    ...thresholds,
    linkedMeans: runDatasets.length === 1 ? 'key on another record' : 'key in another dataset',
    datasets,
  };
}

function checkSources(
  runDatasets: readonly { dataset: string; keysPath: string }[],
  sources: readonly SubgroupSource[],
): void {
  const names = new Set(runDatasets.map((d) => d.dataset));
  if (names.size !== runDatasets.length || names.size === 0)
    throw new CohortlinkError('CL_USAGE', 'the run must name each of its datasets once');
  const seen = new Set<string>();
  for (const s of sources) {
    if (!names.has(s.dataset))
      throw new CohortlinkError(
        'CL_USAGE',
        `attributes are given for ${s.dataset}, which is not a dataset of the run (${[...names].join(', ')})`,
        [{ path: `attributes.${s.dataset}`, message: 'not a dataset of the run' }],
      );
    if (seen.has(s.dataset))
      throw new CohortlinkError('CL_USAGE', `attributes are given twice for ${s.dataset}`, [
        { path: `attributes.${s.dataset}`, message: 'given twice' },
      ]);
    seen.add(s.dataset);
  }
}

async function datasetRates(
  src: SubgroupSource,
  keysFile: LinkedRecords,
  asOf: { year: number; month: number },
  thresholds: FlagThresholds,
): Promise<SubgroupDataset> {
  const attrs = await readAttributes(src.attributesPath, {
    dataset: src.dataset,
    knownRefs: keysFile.rowOfRef,
  });
  const isLinked = keysFile.linked;
  // Attribute line of each keys-file row, −1 for none; the reader has refused unknown and repeated refs.
  const lineOfRow = new Int32Array(isLinked.length).fill(-1);
  const knownRows = attrs.knownRows!;
  for (let i = 0; i < knownRows.length; i++) lineOfRow[knownRows[i]!] = i;
  const regionUnknown = attrs.regions.length;
  const ageN = new Float64Array(AGE_BAND_LABELS.length);
  const ageL = new Float64Array(AGE_BAND_LABELS.length);
  const sexN = new Float64Array(4);
  const sexL = new Float64Array(4);
  const regionN = new Float64Array(regionUnknown + 1);
  const regionL = new Float64Array(regionUnknown + 1);
  const records = isLinked.length;
  let linked = 0;
  let withoutAttributes = 0;
  for (let row = 0; row < records; row++) {
    const i = lineOfRow[row]!;
    const l = isLinked[row]!;
    linked += l;
    let band = UNKNOWN_AGE_BAND;
    let sex: number = SEX_CODE.U;
    let region = regionUnknown;
    if (i < 0) withoutAttributes++;
    else {
      band = ageBand(attrs.birthYear[i]!, attrs.birthMonth[i]!, asOf);
      sex = attrs.sex[i]!;
      const r = attrs.region[i]!;
      region = r === UNKNOWN_REGION ? regionUnknown : r;
    }
    ageN[band]! += 1;
    ageL[band]! += l;
    sexN[sex]! += 1;
    sexL[sex]! += l;
    regionN[region]! += 1;
    regionL[region]! += l;
  }
  const total = { records, linked };
  const regionOrder = attrs.regions
    .map((code, id) => ({ code, id }))
    .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const counts = (labels: readonly [string, number][], n: Float64Array, l: Float64Array): GroupCount[] =>
    labels.map(([group, k]) => ({ group, records: n[k]!, linked: l[k]! }));
  const dimensions: SubgroupDimension[] = [
    {
      dimension: 'age band',
      rows: groupRows(
        counts(
          AGE_BAND_LABELS.map((g, k) => [g, k]),
          ageN,
          ageL,
        ),
        total,
        thresholds,
      ),
    },
    {
      dimension: 'sex',
      rows: groupRows(
        counts(
          SEX_ORDER.map((c) => [SEX_LABELS[c]!, c]),
          sexN,
          sexL,
        ),
        total,
        thresholds,
      ),
    },
    {
      dimension: 'region',
      rows: groupRows(
        counts(
          [...regionOrder.map((r): [string, number] => [r.code, r.id]), ['unknown', regionUnknown]],
          regionN,
          regionL,
        ),
        total,
        thresholds,
      ),
    },
  ];
  return {
    dataset: src.dataset,
    records,
    linked,
    rate: records > 0 ? linked / records : 0,
    recordsWithoutAttributes: withoutAttributes,
    dimensions,
    flagged: dimensions.reduce((a, d) => a + d.rows.filter((r) => r.flag !== null).length, 0),
  };
}
