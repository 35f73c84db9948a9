/**
 * Request counts and latency by route (the route pattern, never the URL: ids would make a
 * series per project and leak nothing useful), and `/metrics` in Prometheus text. `/metrics`
 * needs a credential — an admin token, or the metrics token configured for scrapers — because
 * it shows which routes are used and how many records were uploaded (issue 14).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CohortlinkError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { HttpMetrics, MetricsRegistry } from '../metrics.js';
import { authenticate, BEARER_TOKEN } from './auth.js';

export interface MetricsAccess {
  readonly db: Db;
  /** The scrapers' token (config.metricsToken); undefined = admin tokens only. */
  readonly metricsToken?: string | undefined;
}

export function registerMetrics(
  app: FastifyInstance,
  registry: MetricsRegistry,
  http: HttpMetrics,
  access: MetricsAccess,
): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = req.method;
    http.requests.inc({ method, route, status: String(reply.statusCode) });
    http.latency.observe(reply.elapsedTime / 1000, { method, route });
  });
  app.get('/metrics', { schema: { hide: true }, onRequest: metricsGuard(access) }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(registry.render()),
  );
}

/** The metrics token, or else an API token of an admin: 401 without either, 403 for other roles. */
function metricsGuard(access: MetricsAccess): (req: FastifyRequest) => Promise<void> {
  // Compared as SHA-256 digests: equal lengths for timingSafeEqual, and no early exit on a prefix.
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  const expected = access.metricsToken === undefined ? undefined : digest(access.metricsToken);
  const asApiToken = authenticate(access.db);
  return async (req) => {
    const presented = BEARER_TOKEN.exec(req.headers.authorization ?? '')?.[1];
    if (expected !== undefined && presented !== undefined && timingSafeEqual(digest(presented), expected))
      return;
    await asApiToken(req);
    if (req.principal?.role !== 'admin')
      throw new CohortlinkError('CL_FORBIDDEN', '/metrics needs an admin token or the metrics token');
  };
}
