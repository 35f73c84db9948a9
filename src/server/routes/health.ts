/** Liveness (the process answers) and readiness (the database answers and is migrated). */
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { isUpToDate } from '../../store/db.js';
import type { RoutePlugin } from '../context.js';
import { errorResponses } from '../schemas.js';

export const healthRoutes: RoutePlugin = async (app, ctx) => {
  const ok = z.object({ status: z.string() });
  app.get('/healthz', { schema: { tags: ['health'], security: [], response: { 200: ok } } }, async () => ({
    status: 'ok',
  }));
  app.get(
    '/readyz',
    { schema: { tags: ['health'], security: [], response: { 200: ok, ...errorResponses } } },
    async () => {
      try {
        ctx.db.prepare('SELECT 1').get();
        accessSync(ctx.files.datasetsDir, constants.W_OK);
      } catch (err) {
        throw new CohortlinkError('CL_NOT_READY', 'the database or data folder is not reachable', [], {
          cause: err,
        });
      }
      if (!isUpToDate(ctx.db)) throw new CohortlinkError('CL_NOT_READY', 'database migrations are pending');
      return { status: 'ready' };
    },
  );
};
