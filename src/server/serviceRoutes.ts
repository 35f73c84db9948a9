/**
 * The route plugins of a full service, in one place so that `serve` and `demo --serve` cannot
 * drift apart: runs, the run listing, reports, cohort routes (only with a disclosure key —
 * feasibility counts must never be served without keyed rounding) and, outside the token check,
 * the reviewer UI's static shell.
 */
import type { DisclosureKey } from '../cohort/disclosure/index.js';
import type { RoutePlugin } from './context.js';
import { cohortRoutePlugin } from './routes/cohort.js';
import { projectRunRoutes } from './routes/projectRuns.js';
import { reportRoutes } from './routes/reports.js';
import { runRoutePlugin } from './routes/runs.js';
import { uiRoutes } from './ui/uiRoutes.js';

export function serviceRoutes(disclosureKey: DisclosureKey | undefined): {
  routes: RoutePlugin[];
  publicRoutes: RoutePlugin[];
} {
  return {
    routes: [
      runRoutePlugin(),
      projectRunRoutes,
      reportRoutes,
      ...(disclosureKey === undefined ? [] : [cohortRoutePlugin({ key: disclosureKey })]),
    ],
    publicRoutes: [uiRoutes],
  };
}
