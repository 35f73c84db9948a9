/**
 * The cohort build as plain data (paths and names, no database), so it runs on a thread of its
 * own (workers/cohortBuild.ts): it reads every dataset's keys, attributes and events files and
 * joins them through the linkage keys, seconds of CPU for a few hundred thousand people that
 * stalled every request while it ran on the main thread (issue 14).
 *
 * What crosses back is columns: typed arrays (transferred, not copied; see `outcomeTransfers`)
 * and flat string lists (keys, refs). No per-person or per-record object crosses the boundary,
 * and the main thread builds no map over people: ref → person stays two parallel arrays.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TransferListItem } from 'node:worker_threads';
import { applyExclusions, type RecordExclusions } from '../../cohort/applyExclusions.js';
import {
  type DatasetAttributes,
  type DatasetEvents,
  type JoinedCohort,
  type JoinInput,
  joinThroughKeys,
  readAttributes,
  readEvents,
} from '../../cohort/attributes/index.js';
import type { Tie } from '../../matching/exclude/matchTies.js';
import { readKeyFile } from '../../matching/keys/keyFiles.js';
import { alternativeCohorts, type BipartiteMode, readFloorLinks, regroupAt } from './linkageRange.js';

/** Links scoring within this of the run's threshold are "borderline" for the uncertainty range. */
export const BORDERLINE_MARGIN = 0.02;

/** Person → directly tied people: partners[offsets[p] .. offsets[p + 1]). */
export interface PersonTies {
  readonly offsets: Uint32Array;
  readonly partners: Int32Array;
}

/** One dataset's records and their people, as parallel arrays: record i is `refs[i]`, of person `person[i]`. */
export interface RefPeople {
  readonly refs: readonly string[];
  readonly person: Int32Array;
}

export interface CohortBuildJob {
  /** The run's datasets in run order, with their role when the run was submitted. */
  readonly datasets: readonly {
    readonly id: string;
    readonly name: string;
    readonly role: JoinInput['role'];
    readonly keysPath: string;
    /** Read when the file exists. */
    readonly attributesPath: string;
    readonly eventsPath: string;
  }[];
  /** Exclusion matching's output, by dataset NAME: [ref, reason mask] of every excluded record. */
  readonly excluded: readonly (readonly [string, readonly (readonly [string, number])[]])[];
  /** Records of contactable datasets that may be one person (by dataset id; matchTies.ts). */
  readonly ties: readonly Tie[];
  readonly mode: string;
  readonly summary: SummaryShape;
  readonly floorPath: string;
  readonly linksPath: string;
}

export interface CohortBuildOutcome {
  /** The run's people, with the exclusions applied (applyExclusions). */
  readonly joined: JoinedCohort;
  /** Person index → 1 if excluded only by exclusion matching. */
  readonly byMatch: Uint8Array;
  readonly ties: PersonTies;
  /** Per dataset id, its records' people. */
  readonly personOfRef: readonly (readonly [string, RefPeople])[];
  /** Person index → 1 if a link of theirs scored within the margin above the threshold. */
  readonly borderline: Uint8Array;
  readonly belowEstimate: number;
  readonly alternatives?: readonly JoinedCohort[];
}

export async function buildCohortJob(job: CohortBuildJob): Promise<CohortBuildOutcome> {
  const { datasets } = job;
  const byName: RecordExclusions = new Map(job.excluded.map(([name, refs]) => [name, new Map(refs)]));
  // Keyed by dataset name so criteria can name a dataset (`event.dataset`) as researchers see it.
  const keys = new Map<string, Map<string, string>>();
  const inputs: JoinInput[] = [];
  for (const d of datasets) {
    keys.set(d.name, readKeyFile(d.keysPath));
    const opts = { dataset: d.name, knownRefs: new Set(keys.get(d.name)!.keys()) };
    const attributes: DatasetAttributes | undefined = existsSync(d.attributesPath)
      ? await readAttributes(d.attributesPath, opts)
      : undefined;
    const events: DatasetEvents | undefined = existsSync(d.eventsPath)
      ? await readEvents(d.eventsPath, opts)
      : undefined;
    inputs.push({
      dataset: d.name,
      role: d.role,
      ...(attributes ? { attributes } : {}),
      ...(events ? { events } : {}),
    });
  }
  // A one-to-one run gives a care dataset's second record of a person a person of its own;
  // for cohort outputs such records join the person their best spine partner belongs to.
  const threshold = runThreshold(job.summary);
  const mergeRepeats =
    job.mode === 'one-to-one' &&
    datasets.length === 2 &&
    datasets[0]!.role === 'records' &&
    threshold !== undefined &&
    existsSync(job.floorPath);
  if (mergeRepeats) mergeLeftRepeats(keys, datasets[0]!.name, datasets[1]!.name, job.floorPath, threshold);
  const { joined, byMatch } = applyExclusions(joinThroughKeys(keys, inputs), keys, byName);
  const index = new Map(joined.keys.map((k, i) => [k, i]));
  const personOfRef = new Map<string, Map<string, number>>();
  for (const d of datasets) {
    const m = new Map<string, number>();
    for (const [ref, key] of keys.get(d.name)!) m.set(ref, index.get(key)!);
    personOfRef.set(d.id, m);
  }
  const ties = tiedPeople(joined.people.count, personOfRef, job.ties);
  const { borderline, belowEstimate } = linkUncertainty(
    job.linksPath,
    datasets.map((d) => d.id),
    personOfRef,
    joined.people.count,
    job.summary,
  );
  const alternatives = reclustered(
    job.floorPath,
    mergeRepeats ? 'many-to-one' : job.mode,
    threshold,
    datasets.map((d) => ({ name: d.name, refs: [...keys.get(d.name)!.keys()] })),
    inputs,
    byName,
  );
  return {
    joined,
    byMatch,
    ties,
    personOfRef: [...personOfRef].map(([id, m]) => [
      id,
      { refs: [...m.keys()], person: Int32Array.from(m.values()) },
    ]),
    borderline,
    belowEstimate,
    ...(alternatives !== undefined ? { alternatives } : {}),
  };
}

/**
 * The buffers of the outcome's typed arrays, to transfer rather than copy. Only a view that
 * spans its whole buffer is listed (transferring detaches the whole buffer, so a view into a
 * shared or pooled one would take its neighbours with it); others are copied. Lists of strings
 * are not walked: their elements are not buffers.
 */
export function outcomeTransfers(outcome: CohortBuildOutcome): TransferListItem[] {
  const found = new Set<ArrayBuffer>();
  const walk = (v: unknown): void => {
    if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength)
        found.add(v.buffer);
    } else if (Array.isArray(v)) {
      if (typeof v[0] !== 'string') for (const x of v) walk(x);
    } else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(outcome);
  return [...found];
}

/**
 * Regroups a one-to-one run's two sides as many-to-one at its threshold (from its floor links),
 * so several left records may share a right record's person. Each regrouped person takes the
 * smallest run key among its records: keys stay the run's random keys, so person order (which
 * the invitation cap follows) stays an unbiased order.
 */
function mergeLeftRepeats(
  keys: Map<string, Map<string, string>>,
  leftName: string,
  rightName: string,
  floorPath: string,
  threshold: number,
): void {
  const left = { name: leftName, refs: [...keys.get(leftName)!.keys()] };
  const right = { name: rightName, refs: [...keys.get(rightName)!.keys()] };
  const groups = regroupAt(readFloorLinks(floorPath, left, right), 'many-to-one', threshold, left, right);
  const representative = new Map<string, string>();
  for (const side of [left, right])
    for (const [ref, group] of groups.get(side.name)!) {
      const key = keys.get(side.name)!.get(ref)!;
      const cur = representative.get(group);
      if (cur === undefined || key < cur) representative.set(group, key);
    }
  for (const side of [left, right]) {
    const regrouped = new Map<string, string>();
    for (const [ref, group] of groups.get(side.name)!) regrouped.set(ref, representative.get(group)!);
    keys.set(side.name, regrouped);
  }
}

/**
 * People directly tied to each person (CSR over person indices), from record ties. Ties are NOT
 * closed transitively: look-alike ties chain, and a chain would glue hundreds of people into one
 * "person" who could then be invited only once.
 */
function tiedPeople(
  people: number,
  personOfRef: ReadonlyMap<string, ReadonlyMap<string, number>>,
  ties: readonly (readonly [string, string, string, string])[],
): PersonTies {
  const pairs: [number, number][] = [];
  for (const [da, ra, db, rb] of ties) {
    const a = personOfRef.get(da)?.get(ra);
    const b = personOfRef.get(db)?.get(rb);
    if (a !== undefined && b !== undefined && a !== b) pairs.push([a, b], [b, a]);
  }
  const offsets = new Uint32Array(people + 1);
  for (const [a] of pairs) offsets[a + 1]!++;
  for (let p = 0; p < people; p++) offsets[p + 1]! += offsets[p]!;
  const fill = offsets.slice(0, people);
  const partners = new Int32Array(pairs.length);
  for (const [a, b] of pairs) partners[fill[a]!++] = b;
  return { offsets, partners };
}

/** The threshold a run accepted links at, from its summary. */
export function runThreshold(summary: SummaryShape): number | undefined {
  const t = typeof summary.threshold === 'object' ? summary.threshold.threshold : summary.threshold;
  return typeof t === 'number' && Number.isFinite(t) ? t : undefined;
}

/**
 * The alternative groupings of a bipartite run (undefined for other modes, or for a run written
 * before floor links were kept). Keys files list refs in record order, as the floor links'
 * positions need.
 */
function reclustered(
  floorPath: string,
  mode: unknown,
  threshold: number | undefined,
  sides: readonly { name: string; refs: string[] }[],
  inputs: readonly JoinInput[],
  exclusions: RecordExclusions,
): JoinedCohort[] | undefined {
  const bipartite = mode === undefined || mode === 'one-to-one' || mode === 'many-to-one';
  if (!bipartite || threshold === undefined || sides.length !== 2 || !existsSync(floorPath)) return undefined;
  const [left, right] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const floor = readFloorLinks(floorPath, left, right);
  return alternativeCohorts(
    floor,
    (mode ?? 'one-to-one') as BipartiteMode,
    [threshold - BORDERLINE_MARGIN, threshold + BORDERLINE_MARGIN],
    left,
    right,
    inputs,
    (joined, keys) => applyExclusions(joined, keys, exclusions).joined,
  );
}

export interface SummaryShape {
  /** runSummary's ThresholdDecision (`{threshold, method, …}`); a bare number is accepted too. */
  threshold?: number | { threshold?: number };
  parameters?: { floor?: number };
  pairs?: { links?: number; linksAtFloor?: number }[];
}

/**
 * Borderline links above the threshold come from the run's links.csv (scores are stored).
 * Links just below it are not stored by a run, so their number is estimated from the summary:
 * the links between floor and threshold (linksAtFloor − links), times the share of that score
 * interval the margin covers (uniform scores assumed). Each link added or removed changes the
 * eligible count by at most one person, which is what makes these counts a range.
 */
function linkUncertainty(
  linksPath: string,
  datasetIds: readonly string[],
  personOfRef: ReadonlyMap<string, ReadonlyMap<string, number>>,
  people: number,
  summary: SummaryShape,
): { borderline: Uint8Array; belowEstimate: number } {
  const borderline = new Uint8Array(people);
  const t = runThreshold(summary);
  if (t === undefined || !existsSync(linksPath)) return { borderline, belowEstimate: 0 };
  const lines = readFileSync(linksPath, 'utf8').split('\n');
  const multi = lines[0]?.startsWith('left_dataset') ?? false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const f = line.split(',');
    const score = Number(f[f.length - 1]);
    if (!(score < t + BORDERLINE_MARGIN)) continue;
    const [ds, ref] = multi ? [f[0]!, f[1]!] : [datasetIds[0]!, f[0]!];
    const p = personOfRef.get(ds)?.get(ref);
    if (p !== undefined) borderline[p] = 1;
  }
  const floor = summary.parameters?.floor ?? t;
  const below = (summary.pairs ?? []).reduce(
    (a, p) => a + Math.max(0, (p.linksAtFloor ?? 0) - (p.links ?? 0)),
    0,
  );
  const share = t - floor > 0 ? Math.min(1, BORDERLINE_MARGIN / (t - floor)) : 0;
  return { borderline, belowEstimate: Math.ceil(below * share) };
}
