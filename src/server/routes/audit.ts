/** The audit trail: admins read all of it, reviewers their projects' entries. */
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { listAudit } from '../../store/audit.js';
import type { RoutePlugin } from '../context.js';
import { auditEntrySchema, errorResponses, idSchema } from '../schemas.js';

export const auditRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit entries after `afterSeq`, oldest first (page with the last seq)',
        querystring: z.object({
          projectId: idSchema.optional().describe('required for reviewers'),
          afterSeq: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ entries: z.array(auditEntrySchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const { projectId, afterSeq, limit } = req.query;
      const p = ctx.requireRole(req, 'admin', 'reviewer');
      if (p.role === 'reviewer') {
        if (projectId === undefined)
          throw new CohortlinkError(
            'CL_USAGE',
            'reviewers read the audit trail of one project: give projectId',
            [{ path: '$.querystring.projectId', message: 'required for reviewers' }],
          );
        ctx.requireMember(req, projectId, 'reviewer');
      }
      return { entries: listAudit(ctx.db, { projectId, afterSeq, limit }) };
    },
  );
};
