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
 * Bodies and queries are parsed with zod here (not by the type provider) so the plugin works in
 * any app; the error plugin turns the CohortlinkErrors into the standard body.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { type ZodType, z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';
import { getDataset } from '../../store/repos/datasets.js';
import type { Role } from '../../store/tokens.js';
import type { ServiceContext } from '../context.js';
import { RUN_MANAGER_DEFAULTS, RunManager } from '../runs/runManager.js';
import { runRequestSchema } from '../runs/runRequest.js';
import type { RunStatus } from '../runs/runStatus.js';

export interface RunRoutesOptions {
  readonly ctx: ServiceContext;
  /** An existing manager (tests, benches); otherwise the plugin makes one and closes it with the app. */
  readonly runs?: RunManager;
  readonly concurrency?: number;
  readonly workers?: number;
}

const idParams = z.object({ id: z.string().min(1).max(100) });
const projectParams = z.object({ projectId: z.string().min(1).max(100) });
const keysParams = z.object({ id: z.string().min(1).max(100), datasetId: z.string().min(1).max(100) });
/** Paging over records (not lines); no limit = the whole file. */
const keysQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(10_000_000).optional(),
});

function parse<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new CohortlinkError('CL_USAGE', `invalid ${where}`, issuesFromZod(r.error));
  return r.data;
}

export const runRoutes: FastifyPluginAsync<RunRoutesOptions> = async (app, opts) => {
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

  app.post('/projects/:projectId/runs', async (req, reply) => {
    const { projectId } = parse(projectParams, req.params, 'path');
    const { principal } = ctx.requireMember(req, projectId, 'provider', 'researcher');
    const body = parse(runRequestSchema, req.body, 'run request');
    const status = runs.submit(projectId, principal, body);
    return reply.code(202).send(view(status));
  });

  app.get('/runs/:id', async (req) => {
    const { id } = parse(idParams, req.params, 'path');
    return view(visibleRun(req, id, 'admin', 'provider', 'researcher', 'reviewer').status);
  });

  app.post('/runs/:id/cancel', async (req, reply) => {
    const { id } = parse(idParams, req.params, 'path');
    const { principal } = visibleRun(req, id, 'provider', 'researcher');
    return reply.code(202).send(view(runs.cancel(id, principal)));
  });

  app.post('/runs/:id/retry', async (req, reply) => {
    const { id } = parse(idParams, req.params, 'path');
    const { principal } = visibleRun(req, id, 'provider', 'researcher');
    return reply.code(202).send(view(runs.retry(id, principal)));
  });

  app.get('/runs/:id/summary', async (req) => {
    const { id } = parse(idParams, req.params, 'path');
    const { status } = visibleRun(req, id, 'reviewer', 'researcher');
    const summary = runs.summary(id);
    if (status.state !== 'succeeded' || summary === undefined)
      throw new CohortlinkError('CL_CONFLICT', `run ${id} has no summary (it is ${status.state})`);
    ctx.transaction(() =>
      ctx.audit(req, { projectId: status.projectId, action: 'run.summary.read', target: id }),
    );
    return { run: view(status), summary };
  });

  app.get('/runs/:id/datasets/:datasetId/keys', async (req, reply) => {
    const { id, datasetId } = parse(keysParams, req.params, 'path');
    const { offset, limit } = parse(keysQuery, req.query, 'query');
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
  });
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
function view(s: RunStatus) {
  return {
    id: s.id,
    projectId: s.projectId,
    datasets: s.datasets,
    state: s.state,
    stage: s.stage,
    progress: s.progress,
    cancelRequested: s.cancelRequested,
    error: s.error,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    seconds: s.seconds,
  };
}
