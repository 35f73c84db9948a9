/**
 * Governance reports over HTTP (issue 6, §4), for reviewers and admins of the project:
 *
 *   GET /runs/:id/report[.html]                                   a succeeded run's linkage quality
 *   GET /projects/:projectId/datasets/:datasetId/quality[.html]   a dataset's data quality
 *   GET /projects/:projectId/privacy-report[.html]                the project's privacy risk
 *
 * JSON answers are the report models; `.html` answers are the self-contained pages (inline SVG,
 * no script, no external request) under the same strict Content-Security-Policy the page
 * declares in its meta tag. Models are built once on a report thread and cached in the data
 * folder (reportCache.ts); every read, cached or not, writes an audit entry naming ids and the
 * format only.
 */
import { access } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CohortlinkError, isCohortlinkError } from '../../errors.js';
import { renderDatasetQualityHtml } from '../../reports/datasetQualityHtml.js';
import { renderLinkageReportHtml } from '../../reports/linkageHtml.js';
import type { LinkageReport } from '../../reports/linkageReport.js';
import { renderPrivacyRiskHtml } from '../../reports/privacyRiskHtml.js';
import { getDataset } from '../../store/repos/datasets.js';
import type { Role } from '../../store/tokens.js';
import type { RoutePlugin } from '../context.js';
import { ReportCache } from '../reports/reportCache.js';
import {
  datasetReportSource,
  privacyReportSource,
  type ReportSource,
  runPaths,
  runReportSource,
} from '../reports/reportSources.js';
import { ReportBuildError, ReportThreads } from '../reports/reportThread.js';
import { runRepo } from '../runs/runRepo.js';
import { errorResponses, idSchema } from '../schemas.js';

/** The policy every report page declares in its meta tag, repeated as the answer's header. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Who reads reports (docs/service-design.md, Roles). */
const READERS: readonly Role[] = ['admin', 'reviewer'];

const runParams = z.object({ id: z.string().min(1).max(100) });
const datasetParams = z.object({ projectId: idSchema, datasetId: idSchema });
const projectParams = z.object({ projectId: idSchema });
const reportModel = (what: string) =>
  z
    .record(z.string(), z.unknown())
    .describe(
      `The ${what} report model (its \`format\` field names the version); counts, names and fingerprints only`,
    );

type Format = 'json' | 'html';

export const reportRoutes: RoutePlugin = async (app, ctx) => {
  const threads = new ReportThreads();
  const cache = new ReportCache(ctx.files);
  const runs = runRepo(ctx.db);
  app.addHook('onClose', () => threads.close());

  /** The model's JSON text, from the cache or built now; build failures are the service's. */
  const model = async (req: FastifyRequest, source: ReportSource): Promise<string> => {
    try {
      return await cache.get(source.cache, () => threads.build(source.job));
    } catch (err) {
      if (isCohortlinkError(err) && err.code === 'CL_NOT_READY') throw err;
      const e = isCohortlinkError(err) ? err : undefined;
      req.log.error(
        {
          report: source.job.kind,
          code: e?.code,
          reason: e?.message,
          issues: e?.issues,
          frames: err instanceof ReportBuildError ? err.frames : undefined,
        },
        'report build failed',
      );
      throw new CohortlinkError(
        'CL_INTERNAL',
        `the ${source.job.kind} report could not be built (request ${String(req.id)})`,
      );
    }
  };

  const audit = (req: FastifyRequest, action: string, projectId: string, target: string, format: Format) =>
    ctx.transaction(() => ctx.audit(req, { action, projectId, target, detail: { format } }));

  const answer = (reply: FastifyReply, format: Format, json: string, render: (m: unknown) => string) => {
    reply.header('cache-control', 'no-store');
    if (format === 'json') return reply.send(JSON.parse(json) as Record<string, unknown>);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', REPORT_CSP)
      .send(render(JSON.parse(json)));
  };

  /** A run the caller may read reports of, succeeded (404 for a run outside its projects, as for a missing one). */
  const readableRun = (req: FastifyRequest, id: string) => {
    const run = runs.get(id);
    if (run === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no run ${id}`);
    try {
      ctx.requireMember(req, run.project_id, ...READERS);
    } catch (err) {
      if (isCohortlinkError(err) && err.code === 'CL_NOT_FOUND')
        throw new CohortlinkError('CL_NOT_FOUND', `no run ${id}`);
      throw err;
    }
    if (run.state !== 'succeeded' || run.summary_json === null)
      throw new CohortlinkError(
        'CL_CONFLICT',
        `run ${id} is ${run.state}: its report exists once it has succeeded`,
      );
    return run;
  };

  const runReport = async (req: FastifyRequest, reply: FastifyReply, id: string, format: Format) => {
    const run = readableRun(req, id);
    const floor = await access(runPaths(ctx.files, run.id).linksFloor).then(
      () => true,
      () => false,
    );
    const source = runReportSource(ctx.db, ctx.files, run, floor);
    const json = await model(req, source);
    audit(req, 'report.run.read', run.project_id, run.id, format);
    return answer(reply, format, json, (m) => renderLinkageReportHtml(m as LinkageReport));
  };

  const datasetReport = async (
    req: FastifyRequest,
    reply: FastifyReply,
    params: { projectId: string; datasetId: string },
    format: Format,
  ) => {
    const { project } = ctx.requireMember(req, params.projectId, ...READERS);
    const dataset = getDataset(ctx.db, params.datasetId);
    if (dataset === undefined || dataset.projectId !== project.id)
      throw new CohortlinkError('CL_NOT_FOUND', `no dataset ${params.datasetId} in project ${project.id}`);
    const json = await model(req, datasetReportSource(ctx.db, ctx.files, project, dataset));
    audit(req, 'report.dataset.read', project.id, dataset.id, format);
    return answer(reply, format, json, (m) =>
      renderDatasetQualityHtml(m as Parameters<typeof renderDatasetQualityHtml>[0]),
    );
  };

  const privacyReport = async (
    req: FastifyRequest,
    reply: FastifyReply,
    projectId: string,
    format: Format,
  ) => {
    const { project } = ctx.requireMember(req, projectId, ...READERS);
    const json = await model(req, privacyReportSource(ctx.db, ctx.files, project));
    audit(req, 'report.privacy.read', project.id, project.id, format);
    return answer(reply, format, json, (m) =>
      renderPrivacyRiskHtml(m as Parameters<typeof renderPrivacyRiskHtml>[0]),
    );
  };

  const html = {
    produces: ['text/html'],
    description:
      'A self-contained HTML page (inline SVG, no script, no external request), ' +
      `served with Content-Security-Policy: ${REPORT_CSP}`,
  };
  // Helmet's CSP is replaced on the page routes by the page's own (set in `answer`).
  const pageHelmet = { helmet: { contentSecurityPolicy: false as const } };

  app.get(
    '/runs/:id/report',
    {
      schema: {
        tags: ['reports'],
        summary: "A succeeded run's linkage-quality report (reviewer, admin); audited",
        params: runParams,
        response: { 200: reportModel('linkage-quality'), ...errorResponses },
      },
    },
    (req, reply) => runReport(req, reply, req.params.id, 'json'),
  );
  app.get(
    '/runs/:id/report.html',
    {
      ...pageHelmet,
      schema: {
        tags: ['reports'],
        summary: "A succeeded run's linkage-quality report as a page (reviewer, admin); audited",
        ...html,
        params: runParams,
        response: { ...errorResponses },
      },
    },
    (req, reply) => runReport(req, reply, req.params.id, 'html'),
  );
  app.get(
    '/projects/:projectId/datasets/:datasetId/quality',
    {
      schema: {
        tags: ['reports'],
        summary: "A dataset's data-quality report, compared with the project's other datasets; audited",
        params: datasetParams,
        response: { 200: reportModel('data-quality'), ...errorResponses },
      },
    },
    (req, reply) => datasetReport(req, reply, req.params, 'json'),
  );
  app.get(
    '/projects/:projectId/datasets/:datasetId/quality.html',
    {
      ...pageHelmet,
      schema: {
        tags: ['reports'],
        summary: "A dataset's data-quality report as a page; audited",
        ...html,
        params: datasetParams,
        response: { ...errorResponses },
      },
    },
    (req, reply) => datasetReport(req, reply, req.params, 'html'),
  );
  app.get(
    '/projects/:projectId/privacy-report',
    {
      schema: {
        tags: ['reports'],
        summary: "The project's privacy-risk report over its datasets' encodings; audited",
        params: projectParams,
        response: { 200: reportModel('privacy-risk'), ...errorResponses },
      },
    },
    (req, reply) => privacyReport(req, reply, req.params.projectId, 'json'),
  );
  app.get(
    '/projects/:projectId/privacy-report.html',
    {
      ...pageHelmet,
      schema: {
        tags: ['reports'],
        summary: "The project's privacy-risk report as a page; audited",
        ...html,
        params: projectParams,
        response: { ...errorResponses },
      },
    },
    (req, reply) => privacyReport(req, reply, req.params.projectId, 'html'),
  );
};
