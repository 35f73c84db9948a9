/**
 * Linkage runs over HTTP:
 *
 *   POST /projects/:projectId/runs            provider | researcher   → 202 { id, state, … }
 *   GET  /runs/:id                            member of the project   → status (memory or one key read)
 *   POST /runs/:id/cancel                     provider | researcher   → 202 status
 *   POST /runs/:id/retry                      provider | researcher   → 202 status (same id, new attempt)
 *   GET  /runs/:id/summary                    reviewer | researcher   → counts and summary, audited
 *   GET  /runs/:id/datasets/:datasetId/keys   the uploading provider  → CSV ref,linkage_key, audited
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
import type { Role } from '../../store/tokens.js';
import type { RoutePlugin, ServiceContext } from '../context.js';
import { RUN_MANAGER_DEFAULTS, RunManager } from '../runs/runManager.js';
import { RUN_STATES } from '../runs/runRepo.js';
import { runRequestSchema } from '../runs/runRequest.js';
import type { RunStatus } from '../runs/runStatus.js';
import { errorResponses } from '../schemas.js';

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

  app.post(
    '/projects/:projectId/runs',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Queue a linkage run over datasets of the project (many-to-one: the many first, then the spine)',
        params: projectParams,
        body: runRequestSchema,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { projectId } = req.params;
      const { principal } = ctx.requireMember(req, projectId, 'provider', 'researcher');
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
        summary: 'Cancel a queued run at once, or ask a running one to stop',
        params: idParams,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { principal } = visibleRun(req, id, 'provider', 'researcher');
      return reply.code(202).send(view(runs.cancel(id, principal)));
    },
  );

  app.post(
    '/runs/:id/retry',
    {
      schema: {
        tags: ['runs'],
        summary: 'Queue a failed, retryable run again (same id, a new attempt)',
        params: idParams,
        response: { 202: runStatusSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const { principal } = visibleRun(req, id, 'provider', 'researcher');
      return reply.code(202).send(view(runs.retry(id, principal)));
    },
  );

  app.get(
    '/runs/:id/summary',
    {
      schema: {
        tags: ['runs'],
        summary: "A succeeded run's summary (counts, fingerprints, threshold; no refs or keys); audited",
        params: idParams,
        response: {
          200: z.object({ run: runStatusSchema, summary: z.record(z.string(), z.unknown()) }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      const { status } = visibleRun(req, id, 'reviewer', 'researcher');
      const summary = runs.summary(id);
      if (status.state !== 'succeeded' || summary === undefined)
        throw new CohortlinkError('CL_CONFLICT', `run ${id} has no summary (it is ${status.state})`);
      ctx.transaction(() =>
        ctx.audit(req, { projectId: status.projectId, action: 'run.summary.read', target: id }),
      );
      return { run: view(status), summary: summary as Record<string, unknown> };
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
      ctx.transaction(() =>
        ctx.audit(req, {
          projectId: status.projectId,
          action: 'run.keys.read',
          target: id,
          detail: { datasetId, offset, records },
        }),
      );
      reply.header('content-type', 'text/csv; charset=utf-8');
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
