/**
 * What every route plugin receives: the store, the data folder, the metrics registry and the
 * helpers that enforce the role rules (docs/service-design.md, "Roles"). Route plugins never
 * look at tokens; they ask for the principal the auth hook attached to the request.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { CohortlinkError } from '../errors.js';
import { type AuditEntry, type AuditInput, appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import type { DataFiles } from '../store/files.js';
import { isMember, type Project, requireProject } from '../store/repos/projects.js';
import { recordUsage, type UsageInput } from '../store/repos/usage.js';
import type { Principal, Role } from '../store/tokens.js';
import type { ServiceConfig } from './config.js';
import type { HttpMetrics, MetricsRegistry } from './metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every route inside the API scope. */
    principal?: Principal;
  }
}

export interface ServiceContext {
  readonly db: Db;
  readonly files: DataFiles;
  readonly config: ServiceConfig;
  readonly metrics: MetricsRegistry;
  readonly http: HttpMetrics;
  /** Runs `fn` in one IMMEDIATE transaction (taking the write lock up front avoids SQLITE_BUSY on upgrade). */
  transaction<T>(fn: () => T): T;
  /**
   * Appends an audit entry attributed to the request's principal (organisation and token), inside
   * the current transaction; call it from within `transaction`. `req` null = the service itself.
   */
  audit(req: FastifyRequest | null, entry: AuditInput): AuditEntry;
  /** Records usage in the current transaction. */
  usage(u: UsageInput): void;
  /** The authenticated principal (401 if none). */
  principal(req: FastifyRequest): Principal;
  /** The principal, if its role is one of `roles` (403 otherwise). */
  requireRole(req: FastifyRequest, ...roles: Role[]): Principal;
  /**
   * The principal and the project, if the role is one of `roles` and the principal's organisation
   * is a member of the project. Admins pass the membership check. A project the organisation
   * does not belong to answers 404 like a missing one, so ids cannot be probed.
   */
  requireMember(
    req: FastifyRequest,
    projectId: string,
    ...roles: Role[]
  ): { principal: Principal; project: Project };
}

export function createContext(deps: {
  db: Db;
  files: DataFiles;
  config: ServiceConfig;
  metrics: MetricsRegistry;
  http: HttpMetrics;
}): ServiceContext {
  const { db } = deps;
  const principal = (req: FastifyRequest): Principal => {
    if (req.principal === undefined)
      throw new CohortlinkError('CL_UNAUTHENTICATED', 'a bearer token is required');
    return req.principal;
  };
  const requireRole = (req: FastifyRequest, ...roles: Role[]): Principal => {
    const p = principal(req);
    if (!roles.includes(p.role))
      throw new CohortlinkError(
        'CL_FORBIDDEN',
        `the ${p.role} role may not do this (needs ${roles.join(' or ')})`,
      );
    return p;
  };
  return {
    ...deps,
    transaction: (fn) => db.transaction(fn).immediate(),
    audit: (req, entry) =>
      appendAudit(db, {
        organisationId: req?.principal?.organisationId ?? null,
        tokenId: req?.principal?.tokenId ?? null,
        ...entry,
      }),
    usage: (u) => recordUsage(db, u),
    principal,
    requireRole,
    requireMember(req, projectId, ...roles) {
      const p = requireRole(req, ...roles);
      const notFound = new CohortlinkError('CL_NOT_FOUND', `no project ${projectId}`);
      let project: Project;
      try {
        project = requireProject(db, projectId);
      } catch {
        throw notFound;
      }
      if (p.role !== 'admin' && !isMember(db, projectId, p.organisationId)) throw notFound;
      return { principal: p, project };
    },
  };
}

/** A Fastify instance whose route schemas are zod schemas. */
export type ZodApp = Parameters<FastifyPluginAsyncZod>[0];

/**
 * A group of routes. buildApp registers each inside the authenticated API scope, in its own
 * encapsulated context (its hooks and content-type parsers stay its own).
 */
export type RoutePlugin = (app: ZodApp, ctx: ServiceContext) => Promise<void>;
