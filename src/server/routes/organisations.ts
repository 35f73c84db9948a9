/** Organisations and their API tokens (admin), and `GET /me` for any token. */
import { z } from 'zod';
import { CohortlinkError } from '../../errors.js';
import {
  createOrganisation,
  listOrganisations,
  requireOrganisation,
} from '../../store/repos/organisations.js';
import { createToken, getToken, listTokens, revokeToken, roleSchema } from '../../store/tokens.js';
import type { RoutePlugin } from '../context.js';
import { errorResponses, idSchema, nameSchema, organisationSchema, tokenSchema } from '../schemas.js';

export const organisationRoutes: RoutePlugin = async (app, ctx) => {
  app.get(
    '/me',
    {
      schema: {
        tags: ['tokens'],
        summary: 'The caller: organisation, role and token id',
        response: {
          200: z.object({
            organisationId: z.string(),
            organisationName: z.string(),
            tokenId: z.string(),
            role: roleSchema,
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const p = ctx.principal(req);
      return { ...p, organisationName: requireOrganisation(ctx.db, p.organisationId).name };
    },
  );

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an organisation',
        body: z.object({ name: nameSchema }),
        response: { 201: organisationSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      ctx.requireRole(req, 'admin');
      const org = ctx.transaction(() => {
        const o = createOrganisation(ctx.db, req.body.name);
        ctx.audit(req, { action: 'organisation.created', target: o.id, detail: { name: o.name } });
        return o;
      });
      return reply.status(201).send(org);
    },
  );

  app.get(
    '/organisations',
    {
      schema: {
        tags: ['admin'],
        summary: 'List organisations',
        response: { 200: z.object({ organisations: z.array(organisationSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      ctx.requireRole(req, 'admin');
      return { organisations: listOrganisations(ctx.db) };
    },
  );

  app.post(
    '/organisations/:organisationId/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a token; the secret is in this answer only',
        params: z.object({ organisationId: idSchema }),
        body: z.object({
          role: roleSchema,
          label: z.string().max(200).optional(),
          expiresAt: z.iso.datetime().optional().describe('ISO-8601 UTC; omitted = never expires'),
        }),
        response: { 201: tokenSchema.extend({ token: z.string() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      ctx.requireRole(req, 'admin');
      const { organisationId } = req.params;
      const { role, label, expiresAt } = req.body;
      if (expiresAt !== undefined && new Date(expiresAt).getTime() <= Date.now())
        throw new CohortlinkError('CL_USAGE', 'expiresAt is in the past', [
          { path: '$.body.expiresAt', message: 'must be in the future' },
        ]);
      const created = ctx.transaction(() => {
        requireOrganisation(ctx.db, organisationId);
        const t = createToken(ctx.db, {
          organisationId,
          role,
          label: label ?? null,
          expiresAt: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
        });
        ctx.audit(req, {
          action: 'token.created',
          target: t.record.id,
          detail: { organisationId, role, expiresAt: t.record.expiresAt },
        });
        return t;
      });
      return reply.status(201).send({ ...created.record, token: created.token });
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'List tokens (never their secrets)',
        querystring: z.object({ organisationId: idSchema.optional() }),
        response: { 200: z.object({ tokens: z.array(tokenSchema) }), ...errorResponses },
      },
    },
    async (req) => {
      ctx.requireRole(req, 'admin');
      return { tokens: listTokens(ctx.db, req.query.organisationId) };
    },
  );

  app.delete(
    '/tokens/:tokenId',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke a token (it stays listed, with revokedAt)',
        description:
          'The last active admin token cannot be revoked (409 CL_CONFLICT): create another admin token first, ' +
          'or nobody could administer the service.',
        params: z.object({ tokenId: idSchema }),
        response: { 200: tokenSchema, ...errorResponses },
      },
    },
    async (req) => {
      ctx.requireRole(req, 'admin');
      return ctx.transaction(() => {
        const before = getToken(ctx.db, req.params.tokenId);
        const t = revokeToken(ctx.db, req.params.tokenId);
        if (before?.revokedAt === null)
          ctx.audit(req, {
            action: 'token.revoked',
            target: t.id,
            detail: { organisationId: t.organisationId },
          });
        return t;
      });
    },
  );
};
