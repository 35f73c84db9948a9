/** The usage ledger of a period as CSV, for billing and capacity planning (admin). */
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { listUsage, usageCsv } from '../../store/repos/usage.js';
import type { RoutePlugin } from '../context.js';
import { errorResponses } from '../schemas.js';

export const usageRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/usage.csv',
    {
      schema: {
        tags: ['admin'],
        summary: 'Usage rows with from <= at < to',
        querystring: z.object({
          from: z.iso.datetime({ offset: true }).or(z.iso.date()),
          to: z.iso.datetime({ offset: true }).or(z.iso.date()),
        }),
        produces: ['text/csv'],
        response: { 200: z.string(), ...errorResponses },
      },
    },
    async (req, reply) => {
      ctx.requireRole(req, 'admin');
      const from = new Date(req.query.from).toISOString();
      const to = new Date(req.query.to).toISOString();
      if (from >= to)
        throw new CohortlinkError('CL_USAGE', 'the period is empty: from must be before to', [
          { path: '$.querystring.to', message: 'must be after from' },
        ]);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="usage.csv"')
        .send(usageCsv(listUsage(ctx.db, from, to)));
    },
  );
};
