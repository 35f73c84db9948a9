/**
 * Which exclusion sources govern a run's cohort outputs, and their matches, cached per run.
 *
 * Sources are the PROJECT's, not the run's: every dataset that is an opt-out register (by the
 * role it had when the run was submitted, or has now — exclusion only ever grows), and the
 * records any project dataset flags as deceased. Targets are the run's datasets other than
 * opt-out registers. The matches are computed on the exclusion thread and stored in the run's
 * folder under a fingerprint of everything they depend on, so a new register or attribute
 * upload triggers a fresh match on the next cohort request, and a restart does not.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordExclusions } from '../../cohort/applyExclusions.js';
import { CohortlinkError } from '../../errors.js';
import { LINK_DEFAULTS } from '../../matching/link/options.js';
import { FILE_MODE, mkdirPrivate } from '../../store/files.js';
import { datasetRole, getCohortFile } from '../../store/repos/cohort.js';
import { projectCohortSettings, type RunCohortSnapshot } from '../../store/repos/cohortGovernance.js';
import { listDatasets } from '../../store/repos/datasets.js';
import type { ServiceContext } from '../context.js';
import type { RunFiles } from '../runs/runFiles.js';
import { ThreadQueue } from '../threadQueue.js';
import { cohortFilePath } from './cohortFiles.js';
import type { ExclusionJob, ExclusionOutcome } from './exclusionJob.js';

/** Bump when the matching rule changes, so cached matches are recomputed. */
const MATCHING_VERSION = 3;

export interface RunExclusions {
  readonly fingerprint: string;
  /** dataset id → ref → reason mask. */
  readonly byDataset: RecordExclusions;
  readonly outcome: ExclusionOutcome;
  /** Opt-out registers applied (0 only when an admin attested opt-outs are applied upstream). */
  readonly registers: number;
}

export interface ExclusionPlan {
  readonly fingerprint: string;
  readonly job: ExclusionJob;
}

export class ExclusionMatcher {
  private readonly queue = new ThreadQueue<ExclusionJob, ExclusionOutcome>(
    'exclusion',
    () => 'exclusion matching',
  );
  private readonly inflight = new Map<string, Promise<RunExclusions>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly files: RunFiles,
  ) {}

  /**
   * The sources and targets for a run, or a 409 when the project has no opt-out register and no
   * admin has attested that opt-outs are applied upstream (then no cohort output may leave).
   */
  plan(
    run: { id: string; projectId: string; datasetIds: readonly string[]; threshold: number; floor?: number },
    snapshot: RunCohortSnapshot | undefined,
  ): ExclusionPlan {
    const { db } = this.ctx;
    const project = listDatasets(db, run.projectId);
    const isOptout = (id: string) =>
      snapshot?.roles.get(id)?.role === 'optout' || datasetRole(db, id).role === 'optout';
    const optouts = project.filter((d) => isOptout(d.id));
    const attested =
      (snapshot?.optOutsAppliedUpstream ?? false) ||
      projectCohortSettings(db, run.projectId).optOutsAppliedUpstream;
    if (optouts.length === 0 && !attested)
      throw new CohortlinkError(
        'CL_CONFLICT',
        `project ${run.projectId} has no opt-out register: upload one and mark it with role 'optout' ` +
          `(PUT /projects/${run.projectId}/datasets/:datasetId/role), or an admin must record that ` +
          `opt-outs are applied upstream (PUT /projects/${run.projectId}/cohort-settings)`,
      );
    const deceased = project
      .map((d) => ({ d, attributes: getCohortFile(db, d.id, 'attributes') }))
      .filter((x) => x.attributes !== undefined);
    const targets = run.datasetIds.filter((id) => !isOptout(id));
    const roleOf = (id: string) => snapshot?.roles.get(id) ?? datasetRole(db, id);
    const contactable = targets.filter((id) => roleOf(id).contactable);
    const floor = Math.min(run.floor ?? LINK_DEFAULTS.floor, run.threshold);
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          v: MATCHING_VERSION,
          targets,
          contactable: contactable.map((id) => [id, roleOf(id).role]),
          optouts: optouts.map((d) => [d.id, d.records]),
          deceased: deceased.map((x) => [x.d.id, x.attributes!.createdAt, x.attributes!.bytes]),
          threshold: run.threshold,
          floor,
        }),
      )
      .digest('hex')
      .slice(0, 32);
    return {
      fingerprint,
      job: {
        targets: targets.map((id) => ({ name: id, path: this.files.encodings(id) })),
        optouts: optouts.map((d) => ({ name: d.id, path: this.files.encodings(d.id) })),
        deceased: deceased.map((x) => ({
          name: x.d.id,
          path: this.files.encodings(x.d.id),
          attributesPath: cohortFilePath(this.ctx.files, x.d.id, 'attributes'),
        })),
        contactable: contactable.map((id) => ({
          name: id,
          path: this.files.encodings(id),
          repeats: roleOf(id).role === 'records',
        })),
        linkThreshold: run.threshold,
        floor,
        workers: 0,
      },
    };
  }

  /** The run's matches for this plan: from the run folder, or computed on the exclusion thread. */
  get(runId: string, plan: ExclusionPlan): Promise<RunExclusions> {
    const key = `${runId}/${plan.fingerprint}`;
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.load(runId, plan).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async load(runId: string, plan: ExclusionPlan): Promise<RunExclusions> {
    const dir = join(this.files.paths(runId).dir, 'exclusions');
    const path = join(dir, `${plan.fingerprint}.json`);
    let outcome: ExclusionOutcome;
    if (existsSync(path)) outcome = JSON.parse(readFileSync(path, 'utf8')) as ExclusionOutcome;
    else {
      outcome = await this.queue.run(plan.job);
      mkdirPrivate(dir);
      const temp = `${path}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify(outcome), { mode: FILE_MODE });
      renameSync(temp, path);
    }
    return {
      fingerprint: plan.fingerprint,
      byDataset: new Map(outcome.excluded.map(([id, refs]) => [id, new Map(refs)])),
      outcome,
      registers: plan.job.optouts.length,
    };
  }
}
