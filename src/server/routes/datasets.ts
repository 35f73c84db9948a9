/**
 * Datasets: providers upload encodings NDJSON into projects their organisation belongs to;
 * members list them by the role rules of docs/service-design.md; reviewers (and the uploading
 * provider) read a dataset's data-quality summary.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { newId } from '../../store/clock.js';
import {
  type Dataset,
  getDataset,
  getDatasetByName,
  getDatasetByUploadId,
  getDatasetSummary,
  insertDataset,
  listDatasets,
} from '../../store/repos/datasets.js';
import { fixProjectEncoding, requireProject } from '../../store/repos/projects.js';
import { type Principal, ROLES } from '../../store/tokens.js';
import type { RoutePlugin, ServiceContext } from '../context.js';
import { datasetSchema, errorResponses, idSchema, nameSchema } from '../schemas.js';
import { checkProjectEncoding, encodingOf } from '../uploads/projectEncoding.js';
import { type ReceivedEncodings, receiveEncodings } from '../uploads/receiveEncodings.js';
import { UploadBudget, UploadMeter, uploadLimits } from '../uploads/uploadBody.js';

export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson'];

/** What each role may see of a dataset. */
function visible(d: Dataset, p: Principal): z.infer<typeof datasetSchema> {
  if (p.role === 'admin' || d.organisationId === p.organisationId) return d;
  return { id: d.id, projectId: d.projectId, name: d.name, records: d.records, createdAt: d.createdAt };
}

export const datasetRoutes: RoutePlugin = async (app, ctx) => {
  // The body reaches the handler as the raw request stream: receiveEncodings reads it.
  app.addContentTypeParser(NDJSON_TYPES, (_req, payload, done) => done(null, payload));

  const projectParams = z.object({ projectId: idSchema });
  const datasetParams = z.object({ projectId: idSchema, datasetId: idSchema });

  app.post(
    '/projects/:projectId/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Upload an encodings NDJSON file (cohortlink encode output); Content-Encoding gzip accepted',
        description:
          'The body is streamed and every line validated; nothing is stored unless all of it is valid. ' +
          'Retrying with the same uploadId returns the dataset already stored (200) instead of a duplicate.',
        consumes: NDJSON_TYPES,
        params: projectParams,
        querystring: z.object({
          name: nameSchema,
          uploadId: z
            .string()
            .min(8)
            .max(128)
            .regex(/^[A-Za-z0-9_-]+$/)
            .describe('client-chosen, e.g. a UUID'),
        }),
        response: { 200: datasetSchema, 201: datasetSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { principal, project } = ctx.requireMember(req, req.params.projectId, 'provider');
      const { name, uploadId } = req.query;
      const earlier = sameUpload(ctx, project.id, principal, name, uploadId);
      if (earlier !== undefined) return finishEarly(reply, 200).send(visible(earlier, principal));
      if (!NDJSON_TYPES.includes(String(req.headers['content-type']).split(';')[0]!.trim()))
        throw new CohortlinkError(
          'CL_UNSUPPORTED_MEDIA_TYPE',
          'upload with Content-Type application/x-ndjson',
        );
      if (getDatasetByName(ctx.db, project.id, name) !== undefined)
        throw new CohortlinkError('CL_CONFLICT', `the project already has a dataset named "${name}"`);

      let received: ReceivedEncodings;
      const meter = new UploadMeter();
      const budget = new UploadBudget(ctx.config.uploadTimeBudgetMs);
      try {
        received = await receiveEncodings({
          body: req.raw,
          files: ctx.files,
          limits: uploadLimits(ctx.config),
          budget,
          meter,
          label: `upload "${name}"`,
          headerCheck: (h) => checkProjectEncoding(project.encoding, encodingOf(h)),
        });
      } catch (err) {
        // What the refused upload cost (counts only), so limits can be judged from the log.
        req.log.info({ upload: { ...meter } }, 'upload stopped');
        finishEarly(reply, 0);
        throw err;
      } finally {
        budget.end();
      }

      const { dataset, created } = commitUpload(ctx, req, principal, project.id, name, uploadId, received);
      if (created) {
        ctx.http.uploadBytes.inc({}, received.bytes);
        ctx.http.uploadRecords.inc({}, received.records);
      }
      return reply.status(created ? 201 : 200).send(visible(dataset, principal));
    },
  );

  app.get(
    '/projects/:projectId/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: "Providers: their organisation's datasets; others: every dataset's name and count",
        params: projectParams,
        response: { 200: z.object({ datasets: z.array(datasetSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const { principal, project } = ctx.requireMember(req, req.params.projectId, ...ROLES);
      const own = principal.role === 'provider' ? principal.organisationId : undefined;
      return { datasets: listDatasets(ctx.db, project.id, own).map((d) => visible(d, principal)) };
    },
  );

  app.get(
    '/projects/:projectId/datasets/:datasetId',
    {
      schema: {
        tags: ['datasets'],
        params: datasetParams,
        response: { 200: datasetSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { principal } = ctx.requireMember(req, req.params.projectId, ...ROLES);
      return visible(readable(ctx, principal, req.params.projectId, req.params.datasetId), principal);
    },
  );

  app.get(
    '/projects/:projectId/datasets/:datasetId/summary',
    {
      schema: {
        tags: ['datasets'],
        summary: "The encoder's data-quality summary (counts only); reading it is audited",
        params: datasetParams,
        response: {
          200: z.object({ datasetId: z.string(), summary: z.record(z.string(), z.unknown()).nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { principal } = ctx.requireMember(req, req.params.projectId, 'admin', 'provider', 'reviewer');
      const d = readable(ctx, principal, req.params.projectId, req.params.datasetId);
      ctx.transaction(() =>
        ctx.audit(req, { action: 'dataset.summary.read', projectId: d.projectId, target: d.id }),
      );
      return { datasetId: d.id, summary: getDatasetSummary(ctx.db, d.id) as Record<string, unknown> | null };
    },
  );
};

/** A dataset of the project the principal may read (providers: only their organisation's). */
function readable(ctx: ServiceContext, p: Principal, projectId: string, datasetId: string): Dataset {
  const d = getDataset(ctx.db, datasetId);
  const hidden = p.role === 'provider' && d?.organisationId !== p.organisationId;
  if (d === undefined || d.projectId !== projectId || hidden)
    throw new CohortlinkError('CL_NOT_FOUND', `no dataset ${datasetId} in project ${projectId}`);
  return d;
}

/** The dataset an earlier attempt of this upload stored, if any; a clash of ids is a conflict. */
function sameUpload(
  ctx: ServiceContext,
  projectId: string,
  p: Principal,
  name: string,
  uploadId: string,
): Dataset | undefined {
  const d = getDatasetByUploadId(ctx.db, projectId, uploadId);
  if (d === undefined) return undefined;
  if (d.organisationId !== p.organisationId || d.name !== name)
    throw new CohortlinkError('CL_CONFLICT', `uploadId ${uploadId} was already used for another upload`);
  return d;
}

/**
 * One transaction: re-check the retry and the name (another request may have committed while
 * this one streamed), fix or re-check the project's encoding, insert the row, audit, record
 * usage, and rename the temp file last, so a failure before it rolls everything back.
 */
function commitUpload(
  ctx: ServiceContext,
  req: Parameters<ServiceContext['audit']>[0],
  p: Principal,
  projectId: string,
  name: string,
  uploadId: string,
  r: ReceivedEncodings,
): { dataset: Dataset; created: boolean } {
  // Set once the file has its final name: if the COMMIT itself fails after that, the row is
  // rolled back and the file must go too (start-up sweeps any a crash leaves in this window).
  let renamed: string | undefined;
  try {
    return ctx.transaction(() => {
      const earlier = sameUpload(ctx, projectId, p, name, uploadId);
      if (earlier !== undefined) return { dataset: earlier, created: false };
      if (getDatasetByName(ctx.db, projectId, name) !== undefined)
        throw new CohortlinkError('CL_CONFLICT', `the project already has a dataset named "${name}"`);
      const encoding = encodingOf(r.header);
      checkProjectEncoding(requireProject(ctx.db, projectId).encoding, encoding);
      fixProjectEncoding(ctx.db, projectId, encoding);
      const dataset = insertDataset(ctx.db, {
        id: newId(),
        projectId,
        organisationId: p.organisationId,
        name,
        uploadId,
        records: r.records,
        bytes: r.bytes,
        createdAt: new Date().toISOString(),
        summary: r.summary,
      });
      ctx.audit(req, {
        action: 'dataset.uploaded',
        projectId,
        target: dataset.id,
        detail: { name, records: r.records, bytes: r.bytes, ...encoding },
      });
      ctx.usage({ organisationId: p.organisationId, kind: 'upload', quantity: 1, ref: dataset.id });
      ctx.usage({
        organisationId: p.organisationId,
        kind: 'upload_records',
        quantity: r.records,
        ref: dataset.id,
      });
      ctx.usage({
        organisationId: p.organisationId,
        kind: 'upload_bytes',
        quantity: r.bytes,
        ref: dataset.id,
      });
      ctx.files.commit(r.tempPath, ctx.files.datasetPath(dataset.id));
      renamed = ctx.files.datasetPath(dataset.id);
      return { dataset, created: true };
    });
  } catch (err) {
    if (renamed !== undefined) ctx.files.remove(renamed);
    throw err;
  } finally {
    ctx.files.remove(r.tempPath); // no-op after the rename
  }
}

/**
 * Answering before the body is read to its end: close the connection afterwards, so the rest
 * of a large body is not read and the next request on this connection cannot be mistaken for
 * body bytes.
 */
function finishEarly(reply: FastifyReply, status: number): FastifyReply {
  if (!reply.request.raw.complete) reply.header('connection', 'close');
  return status === 0 ? reply : reply.status(status);
}
