/** Projects and their member organisations (admin creates and edits; members read). */
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import { requireOrganisation } from '../../store/repos/organisations.js';
import {
  addMember,
  createProject,
  listMembers,
  listProjects,
  type Project,
  removeMember,
} from '../../store/repos/projects.js';
import { ROLES } from '../../store/tokens.js';
import type { RoutePlugin } from '../context.js';
import { errorResponses, idSchema, nameSchema, projectSchema } from '../schemas.js';

export const projectRoutes: RoutePlugin = async (app, ctx) => {
  const withMembers = (p: Project) => ({ ...p, members: listMembers(ctx.db, p.id) });

  app.post(
    '/projects',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a project, optionally with member organisations',
        body: z.object({ name: nameSchema, members: z.array(idSchema).max(100).default([]) }),
        response: { 201: projectSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      ctx.requireRole(req, 'admin');
      const project = ctx.transaction(() => {
        const p = createProject(ctx.db, req.body.name);
        for (const org of new Set(req.body.members)) {
          requireOrganisation(ctx.db, org);
          addMember(ctx.db, p.id, org);
        }
        ctx.audit(req, {
          action: 'project.created',
          projectId: p.id,
          target: p.id,
          detail: { name: p.name, members: [...new Set(req.body.members)] },
        });
        return p;
      });
      return reply.status(201).send(withMembers(project));
    },
  );

  app.get(
    '/projects',
    {
      schema: {
        tags: ['projects'],
        summary: "All projects (admin) or the caller's organisation's",
        response: { 200: z.object({ projects: z.array(projectSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      const p = ctx.principal(req);
      const projects = listProjects(ctx.db, p.role === 'admin' ? undefined : p.organisationId);
      return { projects: p.role === 'admin' ? projects.map(withMembers) : projects };
    },
  );

  app.get(
    '/projects/:projectId',
    {
      schema: {
        tags: ['projects'],
        params: z.object({ projectId: idSchema }),
        response: { 200: projectSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { principal, project } = ctx.requireMember(req, req.params.projectId, ...ROLES);
      return principal.role === 'admin' ? withMembers(project) : project;
    },
  );

  const memberParams = z.object({ projectId: idSchema, organisationId: idSchema });

  app.put(
    '/projects/:projectId/members/:organisationId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a member organisation (idempotent)',
        params: memberParams,
        response: { 200: projectSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { project } = ctx.requireMember(req, req.params.projectId, 'admin');
      const { organisationId } = req.params;
      ctx.transaction(() => {
        requireOrganisation(ctx.db, organisationId);
        if (addMember(ctx.db, project.id, organisationId))
          ctx.audit(req, { action: 'project.member.added', projectId: project.id, target: organisationId });
      });
      return withMembers(project);
    },
  );

  app.delete(
    '/projects/:projectId/members/:organisationId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Remove a member organisation (its datasets stay)',
        params: memberParams,
        response: { 200: projectSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { project } = ctx.requireMember(req, req.params.projectId, 'admin');
      const { organisationId } = req.params;
      ctx.transaction(() => {
        if (!removeMember(ctx.db, project.id, organisationId))
          throw new CohortlinkError('CL_NOT_FOUND', `organisation ${organisationId} is not a member`);
        ctx.audit(req, { action: 'project.member.removed', projectId: project.id, target: organisationId });
      });
      return withMembers(project);
    },
  );
};
