/**
 * `GET /projects/:projectId/runs`: a project's runs for any member (the reviewer UI lists them to
 * open their reports). States, modes, dataset ids, times and counts only: a run's options and
 * errors stay on `GET /runs/:id`, its summary on the audited summary and report routes.
 */
import { z } from 'zod';
import { ROLES } from '../../store/tokens.js';
import type { RoutePlugin } from '../context.js';
import { RUN_STATES } from '../runs/runRepo.js';
import { errorResponses, idSchema } from '../schemas.js';

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
    .object({ links: z.number().int(), people: z.number().int() })
    .nullable()
    .describe('for a succeeded run: links made and people (linkage keys) found'),
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
        params: z.object({ projectId: idSchema }),
        response: { 200: z.object({ runs: z.array(runListItem) }), ...errorResponses },
      },
    },
    async (req) => {
      const { project } = ctx.requireMember(req, req.params.projectId, ...ROLES);
      return { runs: list.all(project.id, MAX_RUNS).map(toItem) };
    },
  );
};

function toItem(r: Row): z.infer<typeof runListItem> {
  const options = JSON.parse(r.options_json) as { mode?: unknown };
  return {
    id: r.id,
    state: r.state,
    mode: typeof options.mode === 'string' ? options.mode : null,
    datasets: JSON.parse(r.dataset_ids_json) as string[],
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    counts: r.summary_json === null ? null : counts(JSON.parse(r.summary_json)),
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
