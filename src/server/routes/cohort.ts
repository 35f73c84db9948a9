/**
 * Cohort selection over HTTP (issue 5; docs/service-design.md "Cohort selection"):
 *
 *   PUT  /projects/:projectId/datasets/:datasetId/role        admin | uploading provider
 *   POST /projects/:projectId/datasets/:datasetId/attributes  uploading provider (NDJSON)
 *   POST /projects/:projectId/datasets/:datasetId/events      uploading provider (CSV)
 *   POST /runs/:runId/feasibility                              researcher | reviewer
 *   POST /runs/:runId/invitations                              researcher
 *   GET  /invitations/:id/datasets/:datasetId                  the provider that uploaded the dataset
 *
 * Researchers and reviewers see only disclosure-controlled counts; refs leave the service only
 * in an invitation list, to the organisation that uploaded those records.
 */
import { createReadStream, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readAttributes, readEvents } from '../../cohort/attributes/index.js';
import { parseCriteria } from '../../cohort/criteria/index.js';
import { publishPlan } from '../../cohort/disclosure/controlledPublish.js';
import type { DisclosureKey } from '../../cohort/disclosure/index.js';
import { planAnswer } from '../../cohort/disclosure/overlapControl.js';
import {
  assertMayQuery,
  bindFeasibilityRun,
  feasibilityHistory,
  feasibilityRun,
  recordAnsweredQuery,
  remainingBudget,
  setBudget,
} from '../../cohort/disclosure/queryBudget.js';
import { evaluateCohortPlan } from '../../cohort/evaluate/evaluate.js';
import { compileCohortPlan } from '../../cohort/evaluate/plan.js';
import { CohortlinkError } from '../../errors.js';
import { newId } from '../../store/clock.js';
import {
  COHORT_ROLES,
  type CohortFileKind,
  datasetRole,
  getInvitation,
  insertInvitation,
  invitationListRecords,
  putCohortFile,
  setDatasetRole,
} from '../../store/repos/cohort.js';
import {
  datasetInAnyRun,
  invitationListsFor,
  markInvitationListRead,
  projectCohortSettings,
  putProjectCohortSettings,
} from '../../store/repos/cohortGovernance.js';
import { type Dataset, getDataset, listDatasets } from '../../store/repos/datasets.js';
import type { Principal, Role } from '../../store/tokens.js';
import { cohortFilePath, commitFile, invitationListPath } from '../cohort/cohortFiles.js';
import { encodingRefs } from '../cohort/encodingRefs.js';
import { linkageRangeCounts } from '../cohort/feasibilityCounts.js';
import { writeInvitationLists } from '../cohort/invitationLists.js';
import { receiveToTemp } from '../cohort/receiveFile.js';
import { RunCohorts } from '../cohort/runCohort.js';
import type { RoutePlugin, ServiceContext } from '../context.js';
import { runRepo } from '../runs/runRepo.js';
import { errorResponses, idSchema } from '../schemas.js';
import { UploadBudget, UploadMeter, uploadLimits } from '../uploads/uploadBody.js';

export interface CohortRoutesOptions {
  /** From `serve --disclosure-secret-file` / COHORTLINK_DISCLOSURE_SECRET; never logged. */
  readonly key: DisclosureKey;
}

const NDJSON = ['application/x-ndjson', 'application/ndjson'];
const CSV = ['text/csv'];
const datasetParams = z.object({ projectId: idSchema, datasetId: idSchema });
const runParams = z.object({ runId: z.string().min(1).max(100) });
const isoDate = z.iso.date({ message: 'expected a real date as YYYY-MM-DD' });

const publishedCell = z.object({
  value: z.number().nullable(),
  suppressed: z.boolean(),
  display: z.string(),
});
const breakdown = z.record(z.string(), publishedCell);
const feasibilitySchema = z.object({
  runId: z.string(),
  indexDate: z.string(),
  total: publishedCell,
  byRegion: breakdown,
  byAgeBand: breakdown,
  bySex: breakdown,
  excluded: z.object({
    deceased: publishedCell,
    optedOut: publishedCell,
    byExclusionMatch: publishedCell.describe(
      'people who met the criteria and were excluded only because conservative exclusion matching ' +
        '(a lower threshold, record against record) tied one of their records to an opt-out or death record',
    ),
    optOutRegisters: z.number().int().describe('opt-out registers of the project applied to this run'),
  }),
  linkageRange: z.object({
    low: publishedCell,
    high: publishedCell,
    method: z
      .enum(['reclustered', 'estimated'])
      .describe(
        'reclustered: counted with people regrouped at threshold ± 0.02 (one-to-one, many-to-one runs); ' +
          'estimated: dedup and multi runs, below-threshold links estimated',
      ),
  }),
  suppressedCells: z.array(z.string()),
  note: z.string(),
  queriesLeft: z
    .number()
    .int()
    .describe(
      'feasibility questions this organisation may still ask in the project (docs/disclosure-control.md)',
    ),
});

export function cohortRoutePlugin(o: CohortRoutesOptions): RoutePlugin {
  return async (app, ctx) => {
    const cohorts = new RunCohorts(ctx);
    app.addHook('onClose', () => cohorts.close());
    // Bodies reach the upload handlers as the raw request stream.
    app.addContentTypeParser([...NDJSON, ...CSV], (_req, payload, done) => done(null, payload));

    /** The dataset, if the principal's organisation uploaded it (404 otherwise: ids cannot be probed). */
    const ownDataset = (req: FastifyRequest, projectId: string, datasetId: string, ...roles: Role[]) => {
      const { principal } = ctx.requireMember(req, projectId, ...roles);
      const d = getDataset(ctx.db, datasetId);
      if (
        d === undefined ||
        d.projectId !== projectId ||
        (principal.role !== 'admin' && d.organisationId !== principal.organisationId)
      )
        throw new CohortlinkError('CL_NOT_FOUND', `no dataset ${datasetId} in project ${projectId}`);
      return { principal, dataset: d };
    };

    /** A run the caller's organisation may see (404 as for a missing run otherwise). */
    const visibleRun = (req: FastifyRequest, runId: string, ...roles: Role[]) => {
      const row = runRepo(ctx.db).get(runId);
      if (row === undefined) throw new CohortlinkError('CL_NOT_FOUND', `no run ${runId}`);
      try {
        return { row, principal: ctx.requireMember(req, row.project_id, ...roles).principal };
      } catch (err) {
        if (err instanceof CohortlinkError && err.code === 'CL_NOT_FOUND')
          throw new CohortlinkError('CL_NOT_FOUND', `no run ${runId}`);
        throw err;
      }
    };

    app.put(
      '/projects/:projectId/datasets/:datasetId/role',
      {
        schema: {
          tags: ['cohort'],
          summary: "Mark a dataset's cohort role (spine, records, optout) and whether it may invite",
          params: datasetParams,
          body: z.strictObject({ role: z.enum(COHORT_ROLES), contactable: z.boolean().optional() }),
          response: {
            200: z.object({ datasetId: z.string(), role: z.enum(COHORT_ROLES), contactable: z.boolean() }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const { params, body } = req;
        const { dataset, principal } = ownDataset(
          req,
          params.projectId,
          params.datasetId,
          'admin',
          'provider',
        );
        // A role read by past runs is theirs (run snapshots); changing it later could still turn
        // a care dataset into an "opt-out register" for every future cohort, so once a dataset
        // has taken part in a run only an admin may change its role.
        if (principal.role !== 'admin' && datasetInAnyRun(ctx.db, dataset.id))
          throw new CohortlinkError(
            'CL_FORBIDDEN',
            `dataset ${dataset.id} has taken part in a run; only an admin may change its role now`,
            [{ path: '$.role', message: 'fixed once the dataset has been linked' }],
          );
        // Default contactable: records yes, spine no, optout never (see repos/cohort.ts).
        const contactable = body.contactable ?? body.role === 'records';
        ctx.transaction(() => {
          setDatasetRole(ctx.db, dataset.id, { role: body.role, contactable });
          ctx.audit(req, {
            action: 'dataset.cohort_role.set',
            projectId: dataset.projectId,
            target: dataset.id,
            detail: { role: body.role, contactable },
          });
        });
        cohorts.forgetDataset(dataset.id);
        return { datasetId: dataset.id, ...datasetRole(ctx.db, dataset.id) };
      },
    );

    const uploadSchema = z.object({
      datasetId: z.string(),
      kind: z.string(),
      records: z.number(),
      bytes: z.number(),
    });
    for (const kind of ['attributes', 'events'] as const satisfies readonly CohortFileKind[]) {
      app.post(
        `/projects/:projectId/datasets/:datasetId/${kind}`,
        {
          schema: {
            tags: ['cohort'],
            summary:
              kind === 'attributes'
                ? 'Upload NDJSON attributes (ref, birth year/month, sex, region, deceased) of the dataset'
                : 'Upload coded events (CSV ref,system,code,date) of the dataset',
            description:
              'Validated in full against the dataset’s encodings; stored only if every line is valid.',
            consumes: kind === 'attributes' ? NDJSON : CSV,
            params: datasetParams,
            response: { 201: uploadSchema, ...errorResponses },
          },
        },
        async (req, reply) => {
          const { principal, dataset } = ownDataset(
            req,
            req.params.projectId,
            req.params.datasetId,
            'provider',
          );
          const type = String(req.headers['content-type']).split(';')[0]!.trim();
          if (!(kind === 'attributes' ? NDJSON : CSV).includes(type))
            throw new CohortlinkError(
              'CL_UNSUPPORTED_MEDIA_TYPE',
              `upload ${kind} with Content-Type ${kind === 'attributes' ? NDJSON[0] : CSV[0]}`,
            );
          const stored = await storeCohortFile(ctx, req, reply, principal, dataset, kind);
          cohorts.forgetDataset(dataset.id);
          return reply.status(201).send({ datasetId: dataset.id, kind, ...stored });
        },
      );
    }

    const settingsSchema = z.object({
      contactPriority: z.array(z.string()),
      optOutsAppliedUpstream: z.boolean(),
    });
    const projectParams = z.object({ projectId: idSchema });

    app.get(
      '/projects/:projectId/cohort-settings',
      {
        schema: {
          tags: ['cohort'],
          summary: "The project's contact priority and opt-out attestation (any member)",
          params: projectParams,
          response: { 200: settingsSchema, ...errorResponses },
        },
      },
      async (req) => {
        ctx.requireMember(req, req.params.projectId, 'admin', 'provider', 'researcher', 'reviewer');
        const s = projectCohortSettings(ctx.db, req.params.projectId);
        return { contactPriority: [...s.contactPriority], optOutsAppliedUpstream: s.optOutsAppliedUpstream };
      },
    );

    app.put(
      '/projects/:projectId/cohort-settings',
      {
        schema: {
          tags: ['cohort'],
          summary: 'Set the contact priority, and record that opt-outs are applied upstream (admin; audited)',
          description:
            'contactPriority: dataset ids, the first asked first to invite a person it holds (unlisted ' +
            'contactable datasets follow in run order). optOutsAppliedUpstream: only for a project ' +
            'without an opt-out register, whose data holders remove opted-out people before upload; ' +
            'without a register or this record, cohort requests answer 409. Runs keep the settings ' +
            'in force when they were submitted.',
          params: projectParams,
          body: z.strictObject({
            contactPriority: z.array(idSchema).max(64).optional(),
            optOutsAppliedUpstream: z.boolean().optional(),
          }),
          response: { 200: settingsSchema, ...errorResponses },
        },
      },
      async (req) => {
        const { projectId } = req.params;
        ctx.requireMember(req, projectId, 'admin');
        const current = projectCohortSettings(ctx.db, projectId);
        const priority = req.body.contactPriority ?? current.contactPriority;
        const known = new Set(listDatasets(ctx.db, projectId).map((d) => d.id));
        const issues = priority.flatMap((id, i) => [
          ...(known.has(id)
            ? []
            : [{ path: `$.contactPriority[${i}]`, message: `no dataset ${id} in this project` }]),
          ...(priority.indexOf(id) !== i
            ? [{ path: `$.contactPriority[${i}]`, message: 'listed twice' }]
            : []),
        ]);
        if (issues.length > 0)
          throw new CohortlinkError('CL_USAGE', 'the contact priority names datasets it cannot use', issues);
        const next = {
          contactPriority: priority,
          optOutsAppliedUpstream: req.body.optOutsAppliedUpstream ?? current.optOutsAppliedUpstream,
        };
        ctx.transaction(() => {
          putProjectCohortSettings(ctx.db, projectId, next, new Date().toISOString());
          ctx.audit(req, {
            action: 'project.cohort_settings.set',
            projectId,
            target: projectId,
            detail: next,
          });
        });
        return {
          contactPriority: [...next.contactPriority],
          optOutsAppliedUpstream: next.optOutsAppliedUpstream,
        };
      },
    );

    app.put(
      '/projects/:projectId/organisations/:organisationId/feasibility',
      {
        schema: {
          tags: ['cohort'],
          summary:
            "Set an organisation's feasibility query budget, or move its questions to another run (admin; audited)",
          description:
            'queries: the questions the organisation may ask in the project in all (those already asked ' +
            'count). runId: the run its questions are bound to (overlap control compares answers within ' +
            'one run, so a move lets one old answer be paired with a new one). See docs/disclosure-control.md.',
          params: z.object({ projectId: idSchema, organisationId: idSchema }),
          body: z.strictObject({
            queries: z.number().int().min(0).max(1_000_000).optional(),
            runId: z.string().min(1).max(100).optional(),
          }),
          response: {
            200: z.object({ queriesLeft: z.number().int(), runId: z.string().nullable() }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const { projectId, organisationId } = req.params;
        ctx.requireMember(req, projectId, 'admin');
        ctx.transaction(() => {
          if (req.body.queries !== undefined) setBudget(ctx.db, projectId, organisationId, req.body.queries);
          if (req.body.runId !== undefined)
            bindFeasibilityRun(ctx.db, projectId, organisationId, req.body.runId);
          ctx.audit(req, {
            action: 'cohort.feasibility_budget.set',
            projectId,
            target: organisationId,
            detail: { ...req.body },
          });
        });
        return {
          queriesLeft: remainingBudget(ctx.db, projectId, organisationId, ctx.config.feasibilityQueryBudget),
          runId: feasibilityRun(ctx.db, projectId, organisationId) ?? null,
        };
      },
    );

    app.get(
      '/projects/:projectId/invitations',
      {
        schema: {
          tags: ['cohort'],
          summary:
            "Invitation lists for the caller's datasets (provider), newest first; ?pending=true for unread",
          params: projectParams,
          querystring: z.object({ pending: z.enum(['true', 'false']).default('false') }),
          response: {
            200: z.object({
              lists: z.array(
                z.object({
                  invitationId: z.string(),
                  runId: z.string(),
                  datasetId: z.string(),
                  createdAt: z.string(),
                  firstReadAt: z.string().nullable(),
                  href: z.string(),
                }),
              ),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const { projectId } = req.params;
        const { principal } = ctx.requireMember(req, projectId, 'provider');
        const own = listDatasets(ctx.db, projectId, principal.organisationId).map((d) => d.id);
        const lists = invitationListsFor(ctx.db, projectId, own, req.query.pending === 'true');
        return {
          lists: lists.map((l) => ({ ...l, href: `/invitations/${l.invitationId}/datasets/${l.datasetId}` })),
        };
      },
    );

    app.post(
      '/runs/:runId/feasibility',
      {
        schema: {
          tags: ['cohort'],
          summary: 'Disclosure-controlled counts of the people meeting criteria, over a succeeded run',
          params: runParams,
          body: z.strictObject({
            criteria: z.unknown().describe('cohortlink-criteria/1 (see the criteria JSON Schema)'),
            indexDate: isoDate.optional().describe('date at which age bands are computed (default today)'),
          }),
          response: { 200: feasibilitySchema, ...errorResponses },
        },
      },
      async (req) => {
        const { row, principal } = visibleRun(req, req.params.runId, 'researcher', 'reviewer');
        const budget = {
          projectId: row.project_id,
          runId: row.id,
          organisationId: principal.organisationId,
          defaultBudget: ctx.config.feasibilityQueryBudget,
        };
        // Bound run and budget first: neither depends on the data, so a refusal says nothing.
        assertMayQuery(ctx.db, budget);
        const { selection, cohort, parsed } = await select(cohorts, row.id, req.body.criteria);
        const indexDate = req.body.indexDate ?? new Date().toISOString().slice(0, 10);
        const { linkageRange: range, rangeMethod } = linkageRangeCounts(cohort, selection, parsed);
        // Plan against this organisation's earlier answers, publish and record in one synchronous
        // transaction, so two concurrent questions cannot both be planned without the other.
        const { published, left } = ctx.transaction(() => {
          const history = feasibilityHistory(ctx.db, row.id, principal.organisationId);
          const plan = planAnswer(
            { indexDate, eligible: selection.eligible, matched: selection.matched },
            history,
            cohort.layout,
          );
          const { feasibility, cells } = publishPlan(plan, {
            key: o.key,
            history,
            linkageRange: range,
          });
          recordAnsweredQuery(ctx.db, { ...budget, id: newId(), at: new Date().toISOString(), plan, cells });
          ctx.audit(req, {
            action: 'cohort.feasibility',
            projectId: row.project_id,
            target: row.id,
            // The published total only: raw counts never leave the service, not even to the audit.
            detail: { total: feasibility.total.display, suppressedCells: feasibility.suppressedCells.length },
          });
          ctx.usage({
            organisationId: principal.organisationId,
            kind: 'feasibility',
            quantity: 1,
            ref: row.id,
          });
          return {
            published: feasibility,
            left: remainingBudget(ctx.db, row.project_id, principal.organisationId, budget.defaultBudget),
          };
        });
        const { policy: _policy, suppressedCells, linkageRange, excluded, ...rest } = published;
        return {
          runId: row.id,
          indexDate,
          ...rest,
          excluded: {
            deceased: excluded.deceased!,
            optedOut: excluded.optedOut!,
            byExclusionMatch: excluded.byExclusionMatch!,
            optOutRegisters: cohort.exclusions.registers,
          },
          linkageRange: { ...linkageRange, method: rangeMethod },
          suppressedCells: [...suppressedCells],
          queriesLeft: left,
        };
      },
    );

    app.post(
      '/runs/:runId/invitations',
      {
        schema: {
          tags: ['cohort'],
          summary: 'Make invitation lists for each contactable provider; the researcher sees only a count',
          params: runParams,
          description:
            'Each eligible person (up to cap, in random linkage-key order) is invited once, by the first ' +
            "dataset in the project's contact priority that holds a record of theirs. The answer carries " +
            'no count: how many were invited is finer than feasibility publishes (min(cap, N) would ' +
            'echo N). Ask feasibility for the disclosure-controlled number.',
          body: z.strictObject({ criteria: z.unknown(), cap: z.number().int().min(1).max(10_000_000) }),
          response: {
            201: z.object({
              id: z.string(),
              runId: z.string(),
              cap: z.number(),
              lists: z.array(z.string()).describe('dataset ids that received a list (every contactable one)'),
            }),
            ...errorResponses,
          },
        },
      },
      async (req, reply) => {
        const { row, principal } = visibleRun(req, req.params.runId, 'researcher');
        const { selection, cohort } = await select(cohorts, row.id, req.body.criteria);
        const id = newId();
        let written: Awaited<ReturnType<typeof writeInvitationLists>>;
        try {
          written = await writeInvitationLists(ctx.files, id, cohort, selection, req.body.cap);
          const w = written;
          ctx.transaction(() => {
            insertInvitation(
              ctx.db,
              {
                id,
                runId: row.id,
                projectId: row.project_id,
                requestedBy: principal.organisationId,
                cap: req.body.cap,
                people: w.people,
                createdAt: new Date().toISOString(),
              },
              w.lists,
            );
            ctx.audit(req, {
              action: 'invitations.created',
              projectId: row.project_id,
              target: id,
              // Dataset ids only: list sizes are exact counts, which reviewers must not see either.
              detail: { runId: row.id, cap: req.body.cap, lists: Object.keys(w.lists) },
            });
            ctx.usage({
              organisationId: principal.organisationId,
              kind: 'invitations',
              quantity: 1,
              ref: id,
            });
          });
        } catch (err) {
          // No row, no lists: a failure part-way leaves nothing a provider could download.
          rmSync(dirname(invitationListPath(ctx.files, id, 'x')), { recursive: true, force: true });
          throw err;
        }
        return reply
          .status(201)
          .send({ id, runId: row.id, cap: req.body.cap, lists: Object.keys(written.lists) });
      },
    );

    app.get(
      '/invitations/:id/datasets/:datasetId',
      {
        schema: {
          tags: ['cohort'],
          summary:
            "A provider's invitation list (CSV ref), only to the organisation that uploaded the dataset",
          produces: CSV,
          params: z.object({ id: idSchema, datasetId: idSchema }),
        },
      },
      async (req, reply) => {
        const { id, datasetId } = req.params;
        const notFound = new CohortlinkError(
          'CL_NOT_FOUND',
          `no invitation list ${id} for dataset ${datasetId}`,
        );
        const inv = getInvitation(ctx.db, id);
        if (inv === undefined) throw notFound;
        let principal: Principal;
        try {
          principal = ctx.requireMember(req, inv.projectId, 'provider').principal;
        } catch (err) {
          if (err instanceof CohortlinkError && err.code === 'CL_NOT_FOUND') throw notFound;
          throw err;
        }
        const d = getDataset(ctx.db, datasetId);
        const records = invitationListRecords(ctx.db, id, datasetId);
        if (d === undefined || d.organisationId !== principal.organisationId || records === undefined)
          throw notFound;
        // HEAD sends no list: nothing was read, so nothing is marked or audited.
        if (req.method !== 'HEAD')
          ctx.transaction(() => {
            markInvitationListRead(ctx.db, id, datasetId, new Date().toISOString());
            ctx.audit(req, {
              action: 'invitations.list.read',
              projectId: inv.projectId,
              target: id,
              detail: { datasetId },
            });
          });
        reply.header('content-type', 'text/csv; charset=utf-8');
        // Refs of the provider's own patients: no cache (browser, proxy) may keep a copy.
        reply.header('cache-control', 'no-store');
        return reply.send(createReadStream(invitationListPath(ctx.files, id, datasetId)));
      },
    );
  };
}

/** Validates criteria (400 with JSON paths) and evaluates them over the run's linked people. */
async function select(cohorts: RunCohorts, runId: string, criteria: unknown) {
  const parsed = parseCriteria(criteria);
  const cohort = await cohorts.get(runId);
  const { people, events } = cohort.joined;
  const names = cohort.datasets.map((d) => d.name);
  return { cohort, parsed, selection: evaluateCohortPlan(compileCohortPlan(parsed, people, events, names)) };
}

/**
 * Receive → validate against the dataset's encodings refs → one transaction (row, audit, usage,
 * rename last). A bad line answers 400 naming it, and nothing is stored.
 */
async function storeCohortFile(
  ctx: ServiceContext,
  req: FastifyRequest,
  reply: FastifyReply,
  p: Principal,
  d: Dataset,
  kind: CohortFileKind,
): Promise<{ records: number; bytes: number }> {
  // One time budget for receiving and validating; messages call the file "the upload", never
  // by its temp path, and name lines and fields, never values.
  const label = `${kind} of "${d.name}"`;
  const meter = new UploadMeter();
  const budget = new UploadBudget(ctx.config.uploadTimeBudgetMs);
  let received: { tempPath: string; bytes: number };
  try {
    received = await receiveToTemp({
      body: req.raw,
      files: ctx.files,
      limits: uploadLimits(ctx.config),
      budget,
      meter,
      label,
    });
  } catch (err) {
    budget.end();
    req.log.info({ upload: { ...meter } }, 'upload stopped');
    // Answering before the body ended: close the connection rather than read the rest.
    if (!req.raw.complete) reply.header('connection', 'close');
    throw err;
  }
  const { tempPath, bytes } = received;
  try {
    const opts = {
      dataset: d.name,
      knownRefs: await encodingRefs(ctx.files.datasetPath(d.id)),
      label: 'the upload',
      signal: budget.signal,
    };
    const records =
      kind === 'attributes'
        ? (await readAttributes(tempPath, opts)).count
        : (await readEvents(tempPath, opts)).count;
    const finalPath = cohortFilePath(ctx.files, d.id, kind);
    ctx.transaction(() => {
      putCohortFile(ctx.db, d.id, kind, { records, bytes, createdAt: new Date().toISOString() });
      ctx.audit(req, {
        action: `dataset.${kind}.uploaded`,
        projectId: d.projectId,
        target: d.id,
        detail: { records, bytes },
      });
      ctx.usage({ organisationId: p.organisationId, kind: `${kind}_upload`, quantity: 1, ref: d.id });
      ctx.usage({ organisationId: p.organisationId, kind: `${kind}_records`, quantity: records, ref: d.id });
      commitFile(tempPath, finalPath);
    });
    return { records, bytes };
  } finally {
    budget.end();
    ctx.files.remove(tempPath); // no-op after the rename
  }
}
