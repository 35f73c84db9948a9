/**
 * The linked people of one succeeded run: every dataset's keys file joined with its stored
 * attributes and events (`joinThroughKeys`), cached in memory per run, since feasibility
 * queries repeat over the same run and the join reads every file. A new attribute upload for a
 * dataset of the run drops the cached join. For one-to-one and many-to-one runs the cache also
 * holds the people as the run would have grouped them at threshold ± BORDERLINE_MARGIN (from
 * the run's floor links; linkageRange.ts), for feasibility's linkage range.
 *
 * The join itself runs on a thread of its own (cohortBuildJob.ts, one build at a time); the
 * cache, and the cell layout feasibility derives from the joined columns, stay here.
 */
import { join } from 'node:path';
import type { JoinedCohort, JoinInput } from '../../cohort/attributes/index.js';
import { type CellLayout, layoutFromPeople } from '../../cohort/disclosure/cellLayout.js';
import type { PeopleColumns } from '../../cohort/people.js';
import { CohortlinkError } from '../../errors.js';
import { datasetRole } from '../../store/repos/cohort.js';
import {
  projectCohortSettings,
  type RunCohortSnapshot,
  runCohortSnapshot,
} from '../../store/repos/cohortGovernance.js';
import { type Dataset, getDataset } from '../../store/repos/datasets.js';
import type { ServiceContext } from '../context.js';
import type { Counter, Gauge } from '../metrics.js';
import { RunFiles } from '../runs/runFiles.js';
import { runRepo } from '../runs/runRepo.js';
import { ThreadQueue } from '../threadQueue.js';
import {
  type CohortBuildJob,
  type CohortBuildOutcome,
  type PersonTies,
  type RefPeople,
  runThreshold,
  type SummaryShape,
} from './cohortBuildJob.js';
import { cohortFilePath } from './cohortFiles.js';
import { AGE_BANDS, ageBand } from './feasibilityCounts.js';
import { ExclusionMatcher, type ExclusionPlan, type RunExclusions } from './runExclusions.js';

export { BORDERLINE_MARGIN, type PersonTies, type RefPeople } from './cohortBuildJob.js';

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
  /** dataset id → its records and their person indices, for invitation lists. */
  readonly personOfRef: ReadonlyMap<string, RefPeople>;
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

export class RunCohorts {
  private readonly cache = new Map<string, { fingerprint: string; cohort: Promise<RunCohort> }>();
  private readonly files: RunFiles;
  private readonly exclusions: ExclusionMatcher;

  /** Builds run here, one at a time (a second at once would only compete for the same cores). */
  private readonly queue = new ThreadQueue<CohortBuildJob, CohortBuildOutcome>(
    'cohortBuild',
    () => 'cohort build',
  );

  private readonly cached: Gauge;
  private readonly builds: Counter;

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
    this.builds = ctx.metrics.counter(
      'cohortlink_cohort_builds_total',
      "Cohort builds started (joins of a run's keys with attributes and events, on the build thread)",
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
   *
   * The build's promise is cached before anything is awaited, so requests for the same run that
   * arrive while it is being built wait on that one build rather than starting their own; the
   * event loop stays free meanwhile (the join runs on the build thread).
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

  async close(): Promise<void> {
    await Promise.all([this.exclusions.close(), this.queue.close()]);
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
    const nameOf = new Map(datasets.map((d) => [d.id, d.name]));
    const paths = this.files.paths(runId);
    this.builds.inc();
    const built = await this.queue.run({
      datasets: datasets.map((d) => ({
        id: d.id,
        name: d.name,
        role: d.role,
        keysPath: this.files.keysFile(runId, d.id),
        attributesPath: cohortFilePath(this.ctx.files, d.id, 'attributes'),
        eventsPath: cohortFilePath(this.ctx.files, d.id, 'events'),
      })),
      excluded: exclusions.outcome.excluded.flatMap(([id, refs]) =>
        nameOf.has(id) ? [[nameOf.get(id)!, refs] as const] : [],
      ),
      ties: exclusions.outcome.ties,
      mode: (JSON.parse(row.options_json).mode ?? 'one-to-one') as string,
      summary: JSON.parse(row.summary_json ?? '{}') as SummaryShape,
      floorPath: paths.linksFloor,
      linksPath: paths.links,
    });
    return {
      runId,
      projectId: row.project_id,
      joined: built.joined,
      byMatch: built.byMatch,
      exclusions,
      ties: built.ties,
      layout: cellLayout(built.joined.people, built.byMatch),
      contactPriority: snapshot?.contactPriority ?? projectCohortSettings(db, row.project_id).contactPriority,
      datasets,
      personOfRef: new Map(built.personOfRef),
      borderline: built.borderline,
      belowEstimate: built.belowEstimate,
      ...(built.alternatives !== undefined ? { alternatives: built.alternatives } : {}),
    };
  }
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
