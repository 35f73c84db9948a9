/**
 * Linkage runs over HTTP:
 *
 *   POST /projects/:projectId/runs            provider (own datasets only) | researcher | admin
 *                                                                     → 202 { id, state, … }
 *   GET  /runs/:id                            member of the project   → status (memory or one key read)
 *   POST /runs/:id/cancel                     the requesting organisation | admin → 202 status
 *   POST /runs/:id/retry                      the requesting organisation | admin → 202 status (same id)
 *   GET  /runs/:id/summary                    reviewer | researcher   → counts and summary, audited
 *                                                                       (researchers: counts controlled)
 *   GET  /runs/:id/datasets/:datasetId/keys   the uploading provider  → CSV ref,linkage_key, audited
 *
 * Starting a run needs every dataset to hold at least `minRunRecords` records, and a provider may
 * run only its own organisation's datasets: otherwise a one-record dataset run against another
 * organisation's register answers "is this person in it?" (docs/service-design.md, "Membership
 * probing").
 *
 * Params, queries, bodies and answers are zod schemas (the type provider validates them and they
 * appear in /openapi.json), so the app hosting the plugin must use the zod validator and
 * serializer compilers, as buildApp does. `runRoutePlugin()` is the RoutePlugin form that
 * `serve` passes to startService.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { getDataset } from '../../store/repos/datasets.js';
import { type Principal, ROLES, type Role } from '../../store/tokens.js';
import type { RoutePlugin, ServiceContext } from '../context.js';
import { RUN_MANAGER_DEFAULTS, RunManager } from '../runs/runManager.js';
import { RUN_STATES } from '../runs/runRepo.js';
import { runRequestSchema } from '../runs/runRequest.js';
import type { RunStatus } from '../runs/runStatus.js';
import { errorResponses } from '../schemas.js';
import { publishRunCount, seesExactRunCounts } from './projectRuns.js';

export interface RunRoutesOptions {
  readonly ctx: ServiceContext;
  /** An existing manager (tests, benches); otherwise the plugin makes one and closes it with the app. */
  readonly runs?: RunManager;
  readonly concurrency?: number;
  readonly workers?: number;
}

/** The run routes as a RoutePlugin for buildApp/startService (`serve` uses this). */
export function runRoutePlugin(o: Omit<RunRoutesOptions, 'ctx'> = {}): RoutePlugin {
  return async (app, ctx) => {
    await app.register(runRoutes, { ...o, ctx });
  };
}

const runId = z.string().min(1).max(100);
const idParams = z.object({ id: runId });
const projectParams = z.object({ projectId: z.string().min(1).max(100) });
const keysParams = z.object({ id: runId, datasetId: z.string().min(1).max(100) });
/** Paging over records (not lines); no limit = the whole file. */
const keysQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000_000).optional(),
});

/** A run as the API shows it: state, progress, timings and error; counts and codes only. */
export const runStatusSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    datasets: z.array(z.string()),
    state: z.enum(RUN_STATES),
    stage: z.string().nullable(),
    progress: z.object({ done: z.number(), total: z.number() }).nullable(),
    comparisons: z
      .object({ done: z.number().int().min(0) })
      .nullable()
      .describe(
        'Dice comparisons made. While running: those of the dataset pair being scored, from the ' +
          'scoring stage on (null before it; a multi-party run scores its pairs one after another, ' +
          'each counting from 0). For a succeeded run: the run’s total. The number planned is not ' +
          'known before scoring ends (blocking partners are deduplicated as they are scored), so ' +
          'none is given.',
      ),
    cancelRequested: z.boolean(),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    seconds: z.number().nullable().describe('from start to finish, or to now while running'),
  })
  .describe('A linkage run');

export const runRoutes: FastifyPluginAsyncZod<RunRoutesOptions> = async (app, opts) => {
  const { ctx } = opts;
  const runs =
    opts.runs ??
    new RunManager({
      db: ctx.db,
      layout: {
        datasetEncodings: (id) => ctx.files.datasetPath(id),
        runsRoot: () => join(ctx.files.root, 'runs'),
      },
      audit: (e) => ctx.audit(null, e),
      concurrency: opts.concurrency ?? RUN_MANAGER_DEFAULTS.concurrency,
      workers: opts.workers ?? RUN_MANAGER_DEFAULTS.workers,
    });
  if (opts.runs === undefined) app.addHook('onClose', () => runs.close());
  ctx.metrics.register('cohortlink_run', runs.metrics);

  /** The run if the caller's organisation belongs to its project (404 otherwise, as for a missing run). */
  const visibleRun = (req: FastifyRequest, id: string, ...roles: Role[]) => {
    const status = runs.status(id);
    if (status === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no run ${id}`);
    try {
      return { status, principal: ctx.requireMember(req, status.projectId, ...roles).principal };
    } catch (err) {
      if (err instanceof CohortlinkError && err.code === 'CL_NOT_FOUND')
        throw new CohortlinkError('CL_NOT_FOUND', `no run ${id}`);
      throw err;
    }
  };

  /**
   * The dataset rules of starting (or retrying) a run. A provider may use only datasets its own
   * organisation uploaded to the project: anything else, another organisation's dataset or one
   * that does not exist, gets the same 403 (the provider's dataset listing shows neither, so the
   * answer reveals nothing about other organisations' ids). Every dataset must hold at least
   * `minRunRecords` records (400). Datasets unknown to a researcher's or admin's request are left
   * to the manager's 404 (their listing shows every dataset of the project anyway).
   */
  const checkDatasets = (principal: Principal, projectId: string, ids: readonly string[]): void => {
    const found = ids.map((id) => {
      const d = getDataset(ctx.db, id);
      return d?.projectId === projectId ? d : undefined;
    });
    if (principal.role === 'provider') {
      const foreign = ids.flatMap((id, k) =>
        found[k]?.organisationId === principal.organisationId
          ? []
          : [
              {
                path: `$.datasets[${k}]`,
                message: `dataset ${id} is not one your organisation uploaded to this project`,
              },
            ],
      );
      if (foreign.length > 0)
        throw new CohortlinkError(
          'CL_FORBIDDEN',
          `a provider may start runs only over datasets its own organisation uploaded to the project (${foreign.map((i) => i.path).join(', ')})`,
          foreign,
        );
    }
    const min = ctx.config.minRunRecords;
    const small = ids.flatMap((id, k) => {
      const d = found[k];
      return d === undefined || d.records >= min
        ? []
        : [
            {
              path: `$.datasets[${k}]`,
              message: `dataset ${id} has ${d.records} records, fewer than ${min}`,
            },
          ];
    });
    if (small.length > 0)
      throw new CohortlinkError(
        'CL_USAGE',
        `every dataset of a run needs at least ${min} records (${small.map((i) => i.message).join('; ')}): ` +
          "a smaller run could reveal whether one person is in another organisation's data",
        small,
      );
  };

  /**
   * Cancel and retry: the run's member organisations see it (404 for anyone else, as for a missing
   * run), but only the organisation that requested it, or an admin, may act on it (403).
   */
  const ownRun = (req: FastifyRequest, id: string) => {
    const found = visibleRun(req, id, ...ROLES);
    const principal = ctx.requireRole(req, 'admin', 'provider', 'researcher');
    if (principal.role !== 'admin' && runs.requestedBy(id) !== principal.organisationId)
      throw new CohortlinkError(
        'CL_FORBIDDEN',
        `run ${id} was requested by another organisation: only that organisation or an admin may cancel or retry it`,
      );
    return found;
  };

  app.post(
    '/projects/:projectId/runs',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Queue a linkage run over datasets of the project (many-to-one: the many first, then the spine)',
        description:
          'Providers may run only datasets their own organisation uploaded (403 otherwise); ' +
          'researchers and admins any datasets of the project. Every dataset needs at least ' +
          'the configured minimum of records (minRunRecords, default 100; 400 otherwise).',
        params: projectParams,
        body: runRequestSchema,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { projectId } = req.params;
      const { principal } = ctx.requireMember(req, projectId, 'admin', 'provider', 'researcher');
      checkDatasets(principal, projectId, req.body.datasets);
      const status = runs.submit(projectId, principal, req.body);
      return reply.code(202).send(view(status));
    },
  );

  app.get(
    '/runs/:id',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's state and progress (any member of its project)",
        params: idParams,
        response: { 200: runStatusSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { id } = req.params;
      return view(visibleRun(req, id, 'admin', 'provider', 'researcher', 'reviewer').status);
    },
  );

  app.post(
    '/runs/:id/cancel',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Cancel a queued run at once, or ask a running one to stop (the requesting organisation or an admin)',
        params: idParams,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { principal } = ownRun(req, id);
      return reply.code(202).send(view(runs.cancel(id, principal)));
    },
  );

  app.post(
    '/runs/:id/retry',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Queue a failed, retryable run again (same id, a new attempt; the requesting organisation or an admin)',
        params: idParams,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { status, principal } = ownRun(req, id);
      checkDatasets(principal, status.projectId, status.datasets);
      return reply.code(202).send(view(runs.retry(id, principal)));
    },
  );

  app.get(
    '/runs/:id/summary',
    {
      schema: {
        tags: ['runs'],
        summary: "A succeeded run's summary (counts, fingerprints, threshold; no refs or keys); audited",
        description:
          'Reviewers get the summary as stored. Researchers get it with every figure that depends ' +
          'on which records linked (people, links, unlinked, conflicts, clusters, keys, the ' +
          "threshold model's counts) suppressed below 8 (null) and rounded to the nearest 10; " +
          'inputs, parameters, fingerprints, blocking, comparisons, threshold and timings as stored, ' +
          "but for the 95 % intervals of the threshold's estimates: rounded outward to 0.01, and " +
          'null where the links they are about are suppressed.',
        params: idParams,
        response: {
          200: z.object({
            run: runStatusSchema,
            disclosure: z
              .enum(['exact', 'controlled'])
              .describe("'exact' for reviewers; 'controlled' for researchers (see the description)"),
            summary: z.record(z.string(), z.unknown()),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      const { status, principal } = visibleRun(req, id, 'reviewer', 'researcher');
      const summary = runs.summary(id);
      if (status.state !== 'succeeded' || summary === undefined)
        throw new CohortlinkError('CL_CONFLICT', `run ${id} has no summary (it is ${status.state})`);
      ctx.transaction(() =>
        ctx.audit(req, { projectId: status.projectId, action: 'run.summary.read', target: id }),
      );
      const owners = status.datasets.map((d) => getDataset(ctx.db, d)?.organisationId);
      const exact = seesExactRunCounts(principal, owners);
      return {
        run: view(status),
        disclosure: exact ? ('exact' as const) : ('controlled' as const),
        summary: (exact ? summary : controlledSummary(summary)) as Record<string, unknown>,
      };
    },
  );

  app.get(
    '/runs/:id/datasets/:datasetId/keys',
    {
      schema: {
        tags: ['runs'],
        summary:
          "A dataset's linkage keys (CSV ref,linkage_key), only to the organisation that uploaded it; audited",
        description:
          'X-Total-Records gives the records of the whole file; offset and limit page over records.',
        produces: ['text/csv'],
        params: keysParams,
        querystring: keysQuery,
        // No response schema: the 200 body is a CSV stream; errors use the common error body.
      },
    },
    async (req, reply) => {
      const { id, datasetId } = req.params;
      const { offset, limit } = req.query;
      const { status, principal } = visibleRun(req, id, 'provider');
      const dataset = getDataset(ctx.db, datasetId);
      // Keys go only to the organisation that uploaded the dataset; to anyone else the dataset's
      // keys do not exist (404), so dataset ids cannot be probed.
      const file = runs.keysFile(id, datasetId);
      if (dataset === undefined || dataset.organisationId !== principal.organisationId || file === undefined)
        throw new CohortlinkError(
          'CL_NOT_FOUND',
          `run ${id} has no keys for dataset ${datasetId} visible to you`,
        );
      const records = Math.max(0, Math.min(limit ?? file.records, file.records - offset));
      // HEAD sends no keys: nothing was read, so nothing is audited.
      if (req.method !== 'HEAD')
        ctx.transaction(() =>
          ctx.audit(req, {
            projectId: status.projectId,
            action: 'run.keys.read',
            target: id,
            detail: { datasetId, offset, records },
          }),
        );
      reply.header('content-type', 'text/csv; charset=utf-8');
      // Refs and linkage keys: no cache (browser, proxy) may keep a copy.
      reply.header('cache-control', 'no-store');
      reply.header('x-total-records', String(file.records));
      if (offset === 0 && limit === undefined) return reply.send(createReadStream(file.path));
      return reply.send(Readable.from(page(file.path, offset, records)));
    },
  );
};

/** The header and `count` records from `offset` of a keys file, streamed line by line. */
async function* page(path: string, offset: number, count: number): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  let n = -1;
  try {
    for await (const line of lines) {
      if (n === -1) yield `${line}\n`;
      else if (n >= offset + count) break;
      else if (n >= offset) yield `${line}\n`;
      n++;
    }
  } finally {
    lines.close();
  }
}

/**
 * Summary fields that do not depend on which records linked: kept as stored in a researcher's
 * summary. Paths name array elements `[]`; a listed path keeps everything under it.
 */
const SUMMARY_AS_STORED = new Set([
  'format',
  'mode',
  'inputs[].name',
  'inputs[].records',
  'inputs[].filterBits',
  'inputs[].schemaFingerprint',
  'inputs[].keyFingerprint',
  'inputs[].hardening',
  'parameters',
  'threshold.threshold',
  'threshold.method',
  'threshold.estimatedPrecision',
  'threshold.estimatedRecall',
  'threshold.estimatedF1',
  'threshold.basis',
  'threshold.around[].threshold',
  'threshold.around[].precision',
  'threshold.around[].recall',
  'threshold.around[].f1',
  'threshold.model.floor',
  'threshold.model.binWidth',
  'threshold.model.confidentFrom',
  'pairs[].left',
  'pairs[].right',
  'pairs[].blocking',
  'pairs[].candidatePairs',
  'pairs[].reductionRatio',
  'pairs[].comparisons',
  'pairs[].conflicts.margin',
  'pairs[].conflicts.threshold',
  'timings',
]);

/**
 * The 95 % intervals of the threshold estimates. As stored, an end is an exact fraction of whole
 * links (precision (links − 3) / links, say), from which the link count reads back exactly: they
 * are given rounded outward to 0.01 (so an interval still holds its estimate), and null where the
 * links they are about would themselves be suppressed (a handful of links gives ends like 1/3).
 */
const SUMMARY_INTERVALS = new Set(
  ['threshold', 'threshold.around[]'].flatMap((at) =>
    ['precisionInterval', 'recallInterval', 'f1Interval'].map((k) => `${at}.${k}`),
  ),
);

/** {low, high} rounded outward to 0.01 within [0, 1]; null for anything else. */
function roundedInterval(v: unknown): { low: number; high: number } | null {
  if (v === null || typeof v !== 'object') return null;
  const { low, high } = v as { low?: unknown; high?: unknown };
  if (typeof low !== 'number' || typeof high !== 'number' || !(low <= high)) return null;
  return {
    low: Math.max(0, Math.floor(low * 100) / 100),
    high: Math.min(1, Math.ceil(high * 100) / 100),
  };
}

/**
 * The links an object holding SUMMARY_INTERVALS is about: an around[] entry's own, and for the
 * threshold the around[] entry at the threshold itself (undefined when there is none).
 */
function linksOfIntervals(v: object, path: string): unknown {
  const o = v as { links?: unknown; threshold?: unknown; around?: unknown };
  if (path === 'threshold.around[]') return o.links;
  if (path !== 'threshold' || !Array.isArray(o.around)) return undefined;
  return (o.around as { threshold?: unknown; links?: unknown }[]).find((a) => a?.threshold === o.threshold)
    ?.links;
}

/**
 * A run summary as researchers see it: deny by default. Outside SUMMARY_AS_STORED (and
 * SUMMARY_INTERVALS, rounded) every number (people, links, unlinked records, conflicts, cluster
 * and key statistics, the threshold model's link counts, and any field a later summary format
 * adds) goes through the run-count rule (`publishRunCount`, rounded to a whole count first, so a
 * fraction comes out suppressed); strings, booleans and nulls are kept.
 */
export function controlledSummary(summary: unknown): unknown {
  /** `intervals`: whether SUMMARY_INTERVALS directly under `v` may be given (rounded). */
  const walk = (v: unknown, path: string, intervals = false): unknown => {
    if (SUMMARY_AS_STORED.has(path)) return v;
    if (SUMMARY_INTERVALS.has(path)) return intervals ? roundedInterval(v) : null;
    if (typeof v === 'number') return publishRunCount(Math.round(v));
    if (Array.isArray(v)) return v.map((x) => walk(x, `${path}[]`));
    if (v !== null && typeof v === 'object') {
      const links = linksOfIntervals(v, path);
      const given = typeof links === 'number' && publishRunCount(Math.round(links)) !== null;
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, walk(x, path === '' ? k : `${path}.${k}`, given)]),
      );
    }
    return v;
  };
  return walk(summary, '');
}

/** The status as the API shows it. */
function view(s: RunStatus): z.infer<typeof runStatusSchema> {
  return {
    id: s.id,
    projectId: s.projectId,
    datasets: [...s.datasets],
    state: s.state,
    stage: s.stage,
    progress: s.progress === null ? null : { ...s.progress },
    comparisons: s.comparisons === null ? null : { done: s.comparisons.done },
    cancelRequested: s.cancelRequested,
    error: s.error === null ? null : { ...s.error },
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    seconds: s.seconds,
  };
}
