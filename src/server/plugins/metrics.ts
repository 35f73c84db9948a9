/**
 * Request counts and latency by route (the route pattern, never the URL: ids would make a
 * series per project and leak nothing useful), and `/metrics` in Prometheus text.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpMetrics, MetricsRegistry } from '../metrics.js';

export function registerMetrics(app: FastifyInstance, registry: MetricsRegistry, http: HttpMetrics): void {
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const method = req.method;
    http.requests.inc({ method, route, status: String(reply.statusCode) });
    http.latency.observe(reply.elapsedTime / 1000, { method, route });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/plain; version=0.0.4').send(registry.render()),
  );
}
