/**
 * `GET /projects/:projectId/runs`: a project's runs for any member (the reviewer UI lists them to
 * open their reports). States, modes, dataset ids, times and counts only: a run's options and
 * errors stay on `GET /runs/:id`, its summary on the audited summary and report routes.
 *
 * Link and people counts are exact only for reviewers, admins and a provider whose organisation
 * uploaded every dataset of the run; everyone else gets them under the disclosure rule
 * (`publishRunCount`), so a run cannot be read as "is this person in that register?" (see
 * "Membership probing" in docs/service-design.md).
 */
import { z } from 'zod';
import {
  type DisclosureKey,
  type DisclosurePolicy,
  parsePolicy,
  publishCount,
} from '../../cohort/disclosure/index.js';
import { type Principal, ROLES } from '../../store/tokens.js';
import type { RoutePlugin } from '../context.js';
import { RUN_STATES } from '../runs/runRepo.js';
import { errorResponses, idSchema } from '../schemas.js';

/**
 * The rule for run counts shown to members who may not see them exactly. The service's keyed
 * disclosure secret reaches only the cohort routes, so these counts use the conservative
 * unkeyed form: 0–7 (zero included, so "none" cannot be told from "one") suppressed, anything
 * else rounded to the nearest 10 (at least 10). A run's counts are fixed once it has succeeded,
 * so re-reading them draws nothing new to average.
 */
export const RUN_COUNT_POLICY: DisclosurePolicy = parsePolicy({
  suppressBelow: 8,
  roundTo: 10,
  zero: 'suppress',
  rounding: 'nearest',
});

/** Nearest rounding draws no keyed value; this stands in for the key publishCount asks for. */
const UNKEYED: DisclosureKey = {
  uniform: () => {
    throw new Error('run counts are rounded to the nearest multiple, without a keyed draw');
  },
};

/** A count under RUN_COUNT_POLICY: null when suppressed (0–7), else a multiple of 10 (≥ 10). */
export function publishRunCount(n: number): number | null {
  return publishCount(n, 'run', RUN_COUNT_POLICY, UNKEYED).value;
}

/**
 * Whether `p` sees a run's link and people counts exactly: reviewers and admins do, and a
 * provider whose organisation uploaded every dataset of the run (`owners`: the uploading
 * organisation of each, undefined if unknown); researchers and providers of part of a run do not.
 */
export function seesExactRunCounts(p: Principal, owners: readonly (string | undefined)[]): boolean {
  if (p.role === 'reviewer' || p.role === 'admin') return true;
  return p.role === 'provider' && owners.length > 0 && owners.every((o) => o === p.organisationId);
}

/** The newest this many; a project with more is not a case the service has met. */
const MAX_RUNS = 1000;

const runListItem = z.object({
  id: z.string(),
  state: z.enum(RUN_STATES),
  mode: z.string().nullable(),
  datasets: z.array(z.string()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  counts: z
    .object({
      links: z.number().int().nullable(),
      people: z.number().int().nullable(),
      disclosure: z
        .enum(['exact', 'controlled'])
        .describe(
          "'exact' for reviewers, admins and a provider whose organisation uploaded every dataset " +
            "of the run; 'controlled' for everyone else: 0–7 suppressed (null, zero included), " +
            'other counts rounded to the nearest 10 (at least 10). The unkeyed rounding is used ' +
            "because the service's disclosure key is not given to this route.",
        ),
    })
    .nullable()
    .describe(
      'for a succeeded run: links made and people (linkage keys) found, exact or under the ' +
        'disclosure rule as `disclosure` says; null for other states',
    ),
});

interface Row {
  id: string;
  state: (typeof RUN_STATES)[number];
  options_json: string;
  dataset_ids_json: string;
  summary_json: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export const projectRunRoutes: RoutePlugin = async (app, ctx) => {
  const owners = ctx.db.prepare<[string], { id: string; organisation_id: string }>(
    'SELECT id, organisation_id FROM dataset WHERE project_id = ?',
  );
  const list = ctx.db.prepare<[string, number], Row>(
    `SELECT id, state, options_json, dataset_ids_json, summary_json, created_at, started_at, finished_at
     FROM run WHERE project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
  );

  app.get(
    '/projects/:projectId/runs',
    {
      schema: {
        tags: ['runs'],
        summary: "The project's runs, newest first (any member): state, mode, datasets, times, counts",
        description:
          'Counts are exact for reviewers, admins and a provider whose organisation uploaded every ' +
          'dataset of the run; researchers and other providers get them suppressed below 8 and ' +
          'rounded to the nearest 10.',
        params: z.object({ projectId: idSchema }),
        response: { 200: z.object({ runs: z.array(runListItem) }), ...errorResponses },
      },
    },
    async (req) => {
      const { principal, project } = ctx.requireMember(req, req.params.projectId, ...ROLES);
      const ownerOf = new Map(owners.all(project.id).map((d) => [d.id, d.organisation_id]));
      return {
        runs: list.all(project.id, MAX_RUNS).map((r) => {
          const datasets = JSON.parse(r.dataset_ids_json) as string[];
          return toItem(
            r,
            datasets,
            seesExactRunCounts(
              principal,
              datasets.map((d) => ownerOf.get(d)),
            ),
          );
        }),
      };
    },
  );
};

function toItem(r: Row, datasets: string[], exact: boolean): z.infer<typeof runListItem> {
  const options = JSON.parse(r.options_json) as { mode?: unknown };
  const found = r.summary_json === null ? null : counts(JSON.parse(r.summary_json));
  return {
    id: r.id,
    state: r.state,
    mode: typeof options.mode === 'string' ? options.mode : null,
    datasets,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    counts:
      found === null
        ? null
        : exact
          ? { ...found, disclosure: 'exact' }
          : {
              links: publishRunCount(found.links),
              people: publishRunCount(found.people),
              disclosure: 'controlled',
            },
  };
}

/** Links and people from a stored run summary; null if it lacks them (an older format). */
function counts(summary: unknown): { links: number; people: number } | null {
  const s = summary as { people?: unknown; pairs?: { links?: unknown }[] } | null;
  if (s === null || typeof s.people !== 'number' || !Array.isArray(s.pairs)) return null;
  let links = 0;
  for (const p of s.pairs) if (typeof p.links === 'number') links += p.links;
  return { links, people: s.people };
}
