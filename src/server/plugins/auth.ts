/**
 * Bearer-token authentication for the API scope: every route registered inside it needs a
 * valid token (deny by default); health, metrics and docs live outside the scope. Runs at
 * onRequest, before any body is read, so an unauthenticated upload costs nothing.
 */
import type { FastifyRequest } from 'fastify';
import { CohortlinkError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { authenticateToken } from '../../store/tokens.js';

/** `Bearer <token>`; the token's shape (the rate limiter keys verified tokens by the same rule). */
export const BEARER_TOKEN = /^Bearer ([A-Za-z0-9_-]{16,128})$/;

export function authenticate(db: Db) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    if (header === undefined)
      throw new CohortlinkError('CL_UNAUTHENTICATED', 'a bearer token is required (Authorization: Bearer …)');
    const m = BEARER_TOKEN.exec(header);
    if (m === null)
      throw new CohortlinkError('CL_UNAUTHENTICATED', 'the Authorization header is not "Bearer <token>"');
    const a = authenticateToken(db, m[1]!);
    if (!a.ok) throw new CohortlinkError('CL_UNAUTHENTICATED', `the token is ${a.reason}`);
    req.principal = a.principal;
  };
}
