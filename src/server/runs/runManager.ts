/**
 * The queue of linkage runs. Requests return as soon as a run is recorded as 'queued'; runs
 * execute on the link thread (linkHost.ts), `concurrency` at a time (default one: a run already
 * uses every core through the scoring pool).
 *
 *   queued → running → succeeded | failed | cancelled        (failed & retryable → queued by retry)
 *
 * Every state change is one transaction with its audit entry. A run's files are written to its
 * folder first and recorded (`run_dataset_keys`, `summary_json`) only after all are in place, so
 * the database never points at a half-written run.
 *
 * Restart recovery: a run left 'queued' or 'running' by a crash is marked failed with
 * "interrupted by a restart", retryable, and its folder removed. It is not re-queued
 * automatically: a run that brought the process down (memory, a native fault) would do it again
 * on every start; a person decides with `retry`.
 *
 * Status is kept in memory for every run this process touched, so `GET /runs/:id` is a map
 * lookup (or one primary-key read for older runs); progress reaches the row at most once a
 * second.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { CohortlinkError } from '../../errors.js';
import { type LinkOptionsInput, linkOptionsSchema } from '../../matching/link/options.js';
import type { ScorePoolStats } from '../../matching/score/pool.js';
import { type AuditInput, appendAudit } from '../../store/audit.js';
import { runCohortSnapshot, snapshotRunCohort } from '../../store/repos/cohortGovernance.js';
import { recordUsage } from '../../store/repos/usage.js';
import { pathRedactor } from '../redactPaths.js';
import { LinkFailure, LinkHost } from './linkHost.js';
import type { LinkDone, LinkJob } from './protocol.js';
import { type RunFileLayout, RunFiles } from './runFiles.js';
import { RunMetrics } from './runMetrics.js';
import { type RunRepo, runRepo } from './runRepo.js';
import type { RunRequest } from './runRequest.js';
import { isRetryable, type RunStatus, statusFromRow, withSeconds } from './runStatus.js';

/** Who asked: recorded on the run and in the audit trail. */
export interface RunActor {
  readonly organisationId: string;
  readonly tokenId: string | null;
}

export interface RunManagerOptions {
  readonly db: Database.Database;
  readonly layout: RunFileLayout;
  /** Appends a hash-chained audit entry inside the manager's transaction (default: the store's). */
  readonly audit?: (entry: AuditInput) => void;
  readonly metrics?: RunMetrics;
  /** Runs executing at once. */
  readonly concurrency?: number;
  /** Scoring threads per run (the service's choice, not the caller's). */
  readonly workers?: number;
  readonly now?: () => Date;
  /**
   * What executes runs (default: the link thread, whose scoring pool samples go to `metrics`).
   * Tests pass a stand-in to drive progress step by step.
   */
  readonly linkHost?: (onPoolSample: (s: ScorePoolStats) => void) => LinkRunner;
}

/** The part of LinkHost the manager uses. */
export type LinkRunner = Pick<LinkHost, 'run' | 'cancel' | 'close'>;

export const RUN_MANAGER_DEFAULTS = {
  concurrency: 1,
  workers: 2,
  /** Progress is written to the run row at most this often (ms); memory has every update. */
  persistProgressEveryMs: 1000,
} as const;

interface Outcome {
  readonly state: 'failed' | 'cancelled';
  readonly errorCode: string;
  readonly message: string;
  readonly retryable?: boolean;
}

interface Live {
  status: RunStatus;
  lastPersist: number;
}

export class RunManager {
  readonly metrics: RunMetrics;
  readonly files: RunFiles;
  private readonly db: Database.Database;
  private readonly repo: RunRepo;
  private readonly audit: (e: AuditInput) => void;
  private readonly host: LinkRunner;
  private readonly concurrency: number;
  private readonly workers: number;
  private readonly now: () => Date;
  private readonly queue: string[] = [];
  private readonly live = new Map<string, Live>();
  private readonly executing = new Map<string, Promise<void>>();
  private readonly cancelRequested = new Map<string, RunActor>();
  private closed = false;

  constructor(o: RunManagerOptions) {
    this.db = o.db;
    this.repo = runRepo(o.db);
    this.files = new RunFiles(o.layout);
    this.audit = o.audit ?? ((e) => appendAudit(o.db, e));
    this.metrics = o.metrics ?? new RunMetrics();
    const onPoolSample = (sample: ScorePoolStats): void => this.metrics.pool(sample);
    this.host = o.linkHost?.(onPoolSample) ?? new LinkHost(onPoolSample);
    this.concurrency = Math.max(1, o.concurrency ?? RUN_MANAGER_DEFAULTS.concurrency);
    this.workers = o.workers ?? RUN_MANAGER_DEFAULTS.workers;
    this.now = o.now ?? (() => new Date());
    this.recover();
  }

  /** Records a queued run and returns at once; the run starts when a slot is free. */
  submit(projectId: string, actor: RunActor, request: RunRequest): RunStatus {
    this.checkOpen();
    request.datasets.forEach((id, k) => {
      const d = this.repo.dataset(id);
      if (d === undefined || d.project_id !== projectId)
        throw new CohortlinkError('CL_NOT_FOUND', `dataset ${id} is not in project ${projectId}`, [
          { path: `$.datasets[${k}]`, message: 'no such dataset in this project' },
        ]);
    });
    const { datasets, ...options } = request;
    const id = randomUUID();
    const at = this.now().toISOString();
    this.db
      .transaction(() => {
        this.repo.insert({
          id,
          projectId,
          requestedBy: actor.organisationId,
          optionsJson: JSON.stringify(options),
          datasetIds: datasets,
          createdAt: at,
        });
        // Roles, contact priority and attestation in force now govern the run's cohort outputs.
        snapshotRunCohort(this.db, id, projectId);
        this.audit({
          ...actor,
          projectId,
          action: 'run.queued',
          target: id,
          detail: { datasets, mode: options.mode },
        });
      })
      .immediate();
    this.enqueue(id);
    return this.status(id)!;
  }

  /** The run's status, or undefined for an unknown id. */
  status(id: string): RunStatus | undefined {
    const l = this.live.get(id);
    if (l !== undefined) return withSeconds(l.status, this.now());
    const row = this.repo.get(id);
    return row === undefined ? undefined : statusFromRow(row, this.now());
  }

  /** A queued run is cancelled at once; a running one is asked to stop and ends 'cancelled'. */
  cancel(id: string, actor: RunActor): RunStatus {
    const s = this.mustExist(id);
    if (s.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(
        id,
        { state: 'cancelled', errorCode: 'CL_CANCELLED', message: 'cancelled before it started' },
        actor,
      );
    } else if (s.state === 'running') {
      if (!this.cancelRequested.has(id)) {
        this.cancelRequested.set(id, actor);
        this.setLive(id, { cancelRequested: true });
        this.host.cancel(id);
      }
    } else throw new CohortlinkError('CL_CONFLICT', `run ${id} has already finished (${s.state})`);
    return this.status(id)!;
  }

  /** A failed, retryable run goes back on the queue as a new attempt under the same id. */
  retry(id: string, actor: RunActor): RunStatus {
    this.checkOpen();
    const s = this.mustExist(id);
    if (s.state !== 'failed' || s.error?.retryable !== true)
      throw new CohortlinkError('CL_CONFLICT', `run ${id} is ${s.state} and not retryable`);
    this.db
      .transaction(() => {
        if (!this.repo.requeue(id)) throw new CohortlinkError('CL_CONFLICT', `run ${id} changed meanwhile`);
        this.audit({
          ...actor,
          projectId: s.projectId,
          action: 'run.retried',
          target: id,
          detail: { previousError: s.error?.code ?? null },
        });
      })
      .immediate();
    this.live.delete(id);
    this.enqueue(id);
    return this.status(id)!;
  }

  /** The dataset's keys file of a succeeded run, with its record count; undefined if none. */
  keysFile(runId: string, datasetId: string): { path: string; records: number } | undefined {
    const records = this.repo.keysRecords(runId, datasetId);
    if (records === undefined) return undefined;
    return { path: this.files.keysFile(runId, datasetId), records };
  }

  summary(runId: string): unknown {
    const json = this.repo.get(runId)?.summary_json;
    return json === null || json === undefined ? undefined : JSON.parse(json);
  }

  /** The organisation that requested the run (the one, besides admins, that may cancel or retry it). */
  requestedBy(runId: string): string | undefined {
    return this.repo.get(runId)?.requested_by;
  }

  /** Resolves when the run is no longer queued or running in this process (tests, benches). */
  async settled(id: string): Promise<RunStatus> {
    for (;;) {
      const p = this.executing.get(id);
      if (p !== undefined) await p;
      else if (!this.queue.includes(id)) return this.status(id)!;
      else await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Stops taking runs and stops the link thread. Runs in flight are aborted and recorded as
   * interrupted-and-retryable, as a crash would leave them after the next start.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.host.close();
    await Promise.allSettled([...this.executing.values()]);
  }

  private checkOpen(): void {
    if (this.closed) throw new CohortlinkError('CL_NOT_READY', 'the run manager is stopping');
  }

  private mustExist(id: string): RunStatus {
    const s = this.status(id);
    if (s === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no run ${id}`);
    return s;
  }

  private enqueue(id: string): void {
    const row = this.repo.get(id)!;
    this.live.set(id, { status: statusFromRow(row), lastPersist: 0 });
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.executing.size < this.concurrency && this.queue.length > 0) {
      const id = this.queue.shift()!;
      const p = this.execute(id).finally(() => {
        this.executing.delete(id);
        this.gauges();
        this.pump();
      });
      this.executing.set(id, p);
    }
    this.gauges();
  }

  private gauges(): void {
    this.metrics.gauges(this.queue.length, this.executing.size);
  }

  private async execute(id: string): Promise<void> {
    const startedAt = this.now().toISOString();
    const started = this.db
      .transaction(() => {
        if (!this.repo.start(id, startedAt)) return false;
        this.audit({ projectId: this.repo.get(id)?.project_id ?? null, action: 'run.started', target: id });
        return true;
      })
      .immediate();
    if (!started) return;
    this.setLive(id, { state: 'running', stage: 'load', progress: { done: 0, total: 0 }, startedAt });
    let done: LinkDone;
    try {
      const job = this.job(id);
      done = await this.host.run(job, (stage, d, total, comparisons) =>
        this.progress(id, stage, d, total, comparisons),
      );
      if (this.cancelRequested.has(id))
        throw new LinkFailure('CL_CANCELLED', 'the linkage run was cancelled');
      // The outputs are written by the linkage engine with the process's umask: make them
      // private before the run is visible as succeeded.
      this.files.makePrivate(id);
      this.succeed(id, done);
    } catch (err) {
      this.files.remove(id);
      this.finish(id, this.outcome(err), this.cancelRequested.get(id));
    } finally {
      this.cancelRequested.delete(id);
    }
  }

  /** How a run that threw ends. Runs cut short by close() end as a restart would leave them. */
  private outcome(err: unknown): Outcome {
    if (this.closed)
      return {
        state: 'failed',
        errorCode: 'CL_INTERNAL',
        message: 'interrupted by a restart',
        retryable: true,
      };
    const known = err instanceof LinkFailure || err instanceof CohortlinkError;
    const errorCode = known ? err.code : 'CL_INTERNAL';
    // Shown to members by GET /runs/:id: no path of the data folder (a file the engine read).
    const message = known
      ? pathRedactor([dirname(this.files.layout.runsRoot())])(err.message)
      : 'the run failed unexpectedly';
    if (errorCode === 'CL_CANCELLED') return { state: 'cancelled', errorCode, message };
    return { state: 'failed', errorCode, message, retryable: isRetryable(errorCode) };
  }

  private job(id: string): LinkJob {
    const row = this.repo.get(id)!;
    const datasets = JSON.parse(row.dataset_ids_json) as string[];
    const stored = JSON.parse(row.options_json) as Omit<RunRequest, 'datasets'>;
    const options: LinkOptionsInput = linkOptionsSchema.parse({ ...stored, workers: this.workers });
    const roles = runCohortSnapshot(this.db, id);
    const previousKeys: Record<string, string> = {};
    for (const d of datasets) {
      const prev = this.repo.previousKeysRun(row.project_id, d, id);
      if (prev === undefined) continue;
      const path = this.files.keysFile(prev, d);
      if (existsSync(path)) previousKeys[d] = path;
    }
    return {
      runId: id,
      inputs: datasets.map((d) => ({
        name: d,
        path: this.files.encodings(d),
        bytes: this.files.encodingsBytes(d),
        // A care dataset may hold a person several times (episodes): in a multi-party run those
        // records go under the person's one key rather than becoming people of their own, who
        // would escape the person's opt-out or death and be invited twice.
        ...(options.mode === 'multi' && roles?.roles.get(d)?.role === 'records' ? { repeats: true } : {}),
      })),
      options,
      previousKeys,
      output: this.files.prepare(id),
    };
  }

  /** Memory gets every update (comparisons only there); the row at most once a second. */
  private progress(id: string, stage: string, done: number, total: number, comparisons?: number): void {
    const l = this.setLive(id, {
      stage,
      progress: { done, total },
      ...(comparisons !== undefined ? { comparisons: { done: comparisons } } : {}),
    });
    const t = performance.now();
    if (l === undefined || t - l.lastPersist < RUN_MANAGER_DEFAULTS.persistProgressEveryMs) return;
    l.lastPersist = t;
    this.repo.progress(id, stage, done, total);
  }

  private succeed(id: string, done: LinkDone): void {
    const row = this.repo.get(id)!;
    const at = this.now().toISOString();
    const people = done.summary.people;
    this.db
      .transaction(() => {
        this.repo.recordKeys(id, done.records);
        // The last persisted progress is up to a second old; a finished run shows the whole job done.
        this.repo.progress(id, 'done', done.comparisons, done.comparisons);
        this.repo.finish(id, {
          state: 'succeeded',
          finishedAt: at,
          errorCode: null,
          errorMessage: null,
          retryable: null,
          summaryJson: JSON.stringify(done.summary),
        });
        recordUsage(this.db, { organisationId: row.requested_by, kind: 'runs', quantity: 1, ref: id });
        recordUsage(this.db, {
          organisationId: row.requested_by,
          kind: 'comparisons',
          quantity: done.comparisons,
          ref: id,
        });
        this.audit({
          projectId: row.project_id,
          action: 'run.succeeded',
          target: id,
          detail: {
            datasets: Object.keys(done.records),
            records: Object.values(done.records).reduce((a, b) => a + b, 0),
            comparisons: done.comparisons,
            people,
          },
        });
      })
      .immediate();
    this.metrics.compared(done.comparisons, done.summary.timings.score);
    this.finished(id, 'succeeded', at);
  }

  private finish(id: string, f: Outcome, actor?: RunActor): void {
    const at = this.now().toISOString();
    const retryable = f.state === 'failed' ? (f.retryable ?? false) : null;
    this.db
      .transaction(() => {
        this.repo.finish(id, {
          state: f.state,
          finishedAt: at,
          errorCode: f.errorCode,
          errorMessage: f.message,
          retryable,
          summaryJson: null,
        });
        this.audit({
          organisationId: actor?.organisationId ?? null,
          tokenId: actor?.tokenId ?? null,
          projectId: this.repo.get(id)?.project_id ?? null,
          action: `run.${f.state}`,
          target: id,
          detail: { code: f.errorCode, ...(retryable !== null ? { retryable } : {}) },
        });
      })
      .immediate();
    this.finished(id, f.state, at);
  }

  /** Metrics, and the live entry goes: a finished run's row is its status (one key read). */
  private finished(id: string, state: string, at: string): void {
    const started = this.live.get(id)?.status.startedAt;
    if (started) this.metrics.runFinished(state, (Date.parse(at) - Date.parse(started)) / 1000);
    this.live.delete(id);
  }

  private setLive(id: string, patch: Partial<RunStatus>): Live | undefined {
    const l = this.live.get(id);
    if (l !== undefined) l.status = { ...l.status, ...patch };
    return l;
  }

  /** Start-up: runs a crash left unfinished fail as retryable; folders of unfinished runs go. */
  private recover(): void {
    for (const row of this.repo.unfinished()) {
      this.files.remove(row.id);
      this.finish(row.id, {
        state: 'failed',
        errorCode: 'CL_INTERNAL',
        message: 'interrupted by a restart',
        retryable: true,
      });
    }
    for (const orphan of this.files.orphans(this.repo.succeededIds())) this.files.remove(orphan);
  }
}
