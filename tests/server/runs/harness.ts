/**
 * The runs routes inside the foundation's context, bearer-token auth and error handling:
 * enough to drive them through `inject` until src/server/app.ts can host them.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { serviceConfigSchema } from '../../../src/server/config.js';
import { createContext } from '../../../src/server/context.js';
import { httpMetrics, MetricsRegistry } from '../../../src/server/metrics.js';
import { authenticate } from '../../../src/server/plugins/auth.js';
import { registerErrorHandling } from '../../../src/server/plugins/errors.js';
import { runRoutes } from '../../../src/server/routes/runs.js';
import type { RunManager } from '../../../src/server/runs/runManager.js';
import type { World } from './fixture.js';

export async function runsApp(w: World, runs?: RunManager): Promise<FastifyInstance> {
  const app = Fastify();
  const metrics = new MetricsRegistry();
  const ctx = createContext({
    db: w.db,
    files: w.files,
    config: serviceConfigSchema.parse({}),
    metrics,
    http: httpMetrics(metrics),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  app.addHook('onRequest', authenticate(w.db));
  await app.register(runRoutes, { ctx, workers: 1, ...(runs !== undefined ? { runs } : {}) });
  await app.ready();
  return app;
}
