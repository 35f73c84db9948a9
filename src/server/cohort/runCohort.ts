/**
 * The linked people of one succeeded run: every dataset's keys file joined with its stored
 * attributes and events (`joinThroughKeys`), cached in memory per run, since feasibility
 * queries repeat over the same run and the join reads every file. A new attribute upload for a
 * dataset of the run drops the cached join. For one-to-one and many-to-one runs the cache also
 * holds the people as the run would have grouped them at threshold ± BORDERLINE_MARGIN (from
 * the run's floor links; linkageRange.ts), for feasibility's linkage range.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { type CellLayout, layoutFromPeople } from '../../cohort/disclosure/cellLayout.js';
import type { PeopleColumns } from '../../cohort/people.js';
import { CohortlinkError } from '../../errors.js';
import { readKeyFile } from '../../matching/keys/keyFiles.js';
import { datasetRole } from '../../store/repos/cohort.js';
import {
  projectCohortSettings,
  type RunCohortSnapshot,
  runCohortSnapshot,
} from '../../store/repos/cohortGovernance.js';
import { type Dataset, getDataset } from '../../store/repos/datasets.js';
import type { ServiceContext } from '../context.js';
import type { Gauge } from '../metrics.js';
import { RunFiles } from '../runs/runFiles.js';
import { runRepo } from '../runs/runRepo.js';
import { cohortFilePath } from './cohortFiles.js';
import { AGE_BANDS, ageBand } from './feasibilityCounts.js';
import { alternativeCohorts, type BipartiteMode, readFloorLinks, regroupAt } from './linkageRange.js';
import { ExclusionMatcher, type ExclusionPlan, type RunExclusions } from './runExclusions.js';

/** Person → directly tied people: partners[offsets[p] .. offsets[p + 1]). */
export interface PersonTies {
  readonly offsets: Uint32Array;
  readonly partners: Int32Array;
}

export interface RunCohort {
  readonly runId: string;
  readonly projectId: string;
  /** The run's people, with the project's exclusions applied (applyExclusions). */
  readonly joined: JoinedCohort;
  /** Person index → 1 if excluded only by exclusion matching (counted apart in feasibility). */
  readonly byMatch: Uint8Array;
  readonly exclusions: RunExclusions;
  /**
   * People whose records exclusion-style matching ties together (matchTies.ts): they may be one
   * human, so at most one of them is invited, and none if any of them is excluded.
   */
  readonly ties: PersonTies;
  /** Every person's feasibility cells (region, sex, age band at a date, exclusions), for overlap control. */
  readonly layout: CellLayout;
  /** Dataset ids in the order they are asked to invite (the run's snapshot of the project's). */
  readonly contactPriority: readonly string[];
  /** The run's datasets in run order, with their role when the run was submitted. */
  readonly datasets: readonly (Dataset & { role: JoinInput['role']; contactable: boolean })[];
  /** dataset id → (ref → person index), for invitation lists. */
  readonly personOfRef: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Person index → 1 if a link of theirs scored within the margin above the threshold. */
  readonly borderline: Uint8Array;
  /** Estimated links within the margin below the threshold (the 'estimated' range only). */
  readonly belowEstimate: number;
  /**
   * One-to-one / many-to-one runs with floor links: the people regrouped at threshold − margin
   * and + margin (the 'reclustered' range). Undefined for dedup and multi runs.
   */
  readonly alternatives?: readonly JoinedCohort[];
}

/** Links scoring within this of the run's threshold are "borderline" for the uncertainty range. */
export const BORDERLINE_MARGIN = 0.02;

export class RunCohorts {
  private readonly cache = new Map<string, { fingerprint: string; cohort: Promise<RunCohort> }>();
  private readonly files: RunFiles;
  private readonly exclusions: ExclusionMatcher;

  private readonly cached: Gauge;

  constructor(private readonly ctx: ServiceContext) {
    this.files = new RunFiles({
      datasetEncodings: (id) => ctx.files.datasetPath(id),
      runsRoot: () => join(ctx.files.root, 'runs'),
    });
    this.exclusions = new ExclusionMatcher(ctx, this.files);
    this.cached = ctx.metrics.gauge(
      'cohortlink_cohort_cache_runs',
      'Runs whose joined people are held in memory for cohort questions',
    );
  }

  /**
   * Keeps the most recently used runs only (ctx.config.cohortCacheRuns): a 300k-person run's
   * people take ~300 MB, and without a bound every run ever queried stayed in memory (issue 14).
   */
  private remember(runId: string, entry: { fingerprint: string; cohort: Promise<RunCohort> }): void {
    this.cache.delete(runId);
    this.cache.set(runId, entry);
    while (this.cache.size > this.ctx.config.cohortCacheRuns)
      this.cache.delete(this.cache.keys().next().value!);
    this.cached.set(this.cache.size);
  }

  /** Drops cached joins that used this dataset (its attributes, events or role changed). */
  forgetDataset(datasetId: string): void {
    // Synchronous (the run rows name their datasets), so the next query after an upload sees it.
    const repo = runRepo(this.ctx.db);
    for (const runId of [...this.cache.keys()]) {
      const ids = JSON.parse(repo.get(runId)?.dataset_ids_json ?? '[]') as string[];
      if (ids.includes(datasetId)) this.cache.delete(runId);
    }
  }

  /**
   * The run's people with the project's exclusions applied. The exclusion plan is made on every
   * call (a few indexed reads): a register or attribute upload anywhere in the project changes
   * its fingerprint, and the cached people are rebuilt with the new matches.
   */
  get(runId: string): Promise<RunCohort> {
    const row = runRepo(this.ctx.db).get(runId);
    if (row === undefined || row.state !== 'succeeded')
      throw new CohortlinkError('CL_CONFLICT', `run ${runId} has not succeeded`);
    const summary = JSON.parse(row.summary_json ?? '{}') as SummaryShape;
    const threshold = runThreshold(summary);
    if (threshold === undefined)
      throw new CohortlinkError('CL_CONFLICT', `run ${runId} has no threshold in its summary`);
    const snapshot = runCohortSnapshot(this.ctx.db, runId);
    const plan = this.exclusions.plan(
      {
        id: runId,
        projectId: row.project_id,
        datasetIds: JSON.parse(row.dataset_ids_json) as string[],
        threshold,
        ...(summary.parameters?.floor !== undefined ? { floor: summary.parameters.floor } : {}),
      },
      snapshot,
    );
    const cached = this.cache.get(runId);
    if (cached !== undefined && cached.fingerprint === plan.fingerprint) {
      this.remember(runId, cached);
      return cached.cohort;
    }
    const cohort = this.build(runId, snapshot, plan);
    this.remember(runId, { fingerprint: plan.fingerprint, cohort });
    // A failed build is not cached: the cause (e.g. missing keys) may be fixed.
    cohort.catch(() => {
      if (this.cache.get(runId)?.cohort === cohort) this.cache.delete(runId);
      this.cached.set(this.cache.size);
    });
    return cohort;
  }

  close(): Promise<void> {
    return this.exclusions.close();
  }

  private async build(
    runId: string,
    snapshot: RunCohortSnapshot | undefined,
    plan: ExclusionPlan,
  ): Promise<RunCohort> {
    const { db } = this.ctx;
    const row = runRepo(db).get(runId)!;
    const ids = JSON.parse(row.dataset_ids_json) as string[];
    const datasets = ids.map((id) => {
      const d = getDataset(db, id);
      if (d === undefined) throw new CohortlinkError('CL_NOT_FOUND', `dataset ${id} of run ${runId} is gone`);
      // Roles as they were when the run was submitted (runs before snapshots: as they are now).
      return { ...d, ...(snapshot?.roles.get(id) ?? datasetRole(db, id)) };
    });
    const exclusions = await this.exclusions.get(runId, plan);
    const byName = new Map<string, ReadonlyMap<string, number>>();
    for (const d of datasets) {
      const refs = exclusions.byDataset.get(d.id);
      if (refs !== undefined) byName.set(d.name, refs);
    }
    // Keyed by dataset name so criteria can name a dataset (`event.dataset`) as researchers see it.
    const keys = new Map<string, Map<string, string>>();
    const inputs: JoinInput[] = [];
    for (const d of datasets) {
      keys.set(d.name, readKeyFile(this.files.keysFile(runId, d.id)));
      const known = new Set(keys.get(d.name)!.keys());
      const attrPath = cohortFilePath(this.ctx.files, d.id, 'attributes');
      const evPath = cohortFilePath(this.ctx.files, d.id, 'events');
      const opts = { dataset: d.name, knownRefs: known };
      const attributes: DatasetAttributes | undefined = existsSync(attrPath)
        ? await readAttributes(attrPath, opts)
        : undefined;
      const events: DatasetEvents | undefined = existsSync(evPath)
        ? await readEvents(evPath, opts)
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
    const runMode = (JSON.parse(row.options_json).mode ?? 'one-to-one') as string;
    const threshold = runThreshold(JSON.parse(row.summary_json ?? '{}'));
    const floorPath = this.files.paths(runId).linksFloor;
    const mergeRepeats =
      runMode === 'one-to-one' &&
      datasets.length === 2 &&
      datasets[0]!.role === 'records' &&
      threshold !== undefined &&
      existsSync(floorPath);
    if (mergeRepeats) mergeLeftRepeats(keys, datasets[0]!.name, datasets[1]!.name, floorPath, threshold);
    const { joined, byMatch } = applyExclusions(joinThroughKeys(keys, inputs), keys, byName);
    const index = new Map(joined.keys.map((k, i) => [k, i]));
    const personOfRef = new Map<string, Map<string, number>>();
    for (const d of datasets) {
      const m = new Map<string, number>();
      for (const [ref, key] of keys.get(d.name)!) m.set(ref, index.get(key)!);
      personOfRef.set(d.id, m);
    }
    const ties = tiedPeople(joined.people.count, personOfRef, exclusions.outcome.ties);
    const { borderline, belowEstimate } = linkUncertainty(
      this.files.paths(runId).links,
      datasets.map((d) => d.id),
      personOfRef,
      joined.people.count,
      JSON.parse(row.summary_json ?? '{}'),
    );
    const alternatives = reclustered(
      floorPath,
      mergeRepeats ? 'many-to-one' : runMode,
      threshold,
      datasets.map((d) => ({ name: d.name, refs: [...keys.get(d.name)!.keys()] })),
      inputs,
      byName,
    );
    return {
      runId,
      projectId: row.project_id,
      joined,
      byMatch,
      exclusions,
      ties,
      layout: cellLayout(joined.people, byMatch),
      contactPriority: snapshot?.contactPriority ?? projectCohortSettings(db, row.project_id).contactPriority,
      datasets,
      personOfRef,
      borderline,
      belowEstimate,
      ...(alternatives !== undefined ? { alternatives } : {}),
    };
  }
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

/** Feasibility's cells as sets of people: its breakdowns and exclusion reasons. */
function cellLayout(people: PeopleColumns, byMatch: Uint8Array): CellLayout {
  return layoutFromPeople(people, {
    ageBands: [...AGE_BANDS.map((b) => b.name), 'unknown'],
    ageBandOf: (p, indexDate) =>
      ageBand(people, p, Number(indexDate.slice(0, 4)), Number(indexDate.slice(5, 7))),
    exclusions: { deceased: people.deceased, optedOut: people.optedOut, byExclusionMatch: byMatch },
  });
}

/** The threshold a run accepted links at, from its summary. */
function runThreshold(summary: SummaryShape): number | undefined {
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

interface SummaryShape {
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
