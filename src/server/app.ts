/**
 * The HTTP service: `buildApp(deps)` returns a Fastify instance ready to `listen` (tests use
 * `app.listen({ port: 0 })`). Layout:
 *
 *   root: helmet, rate limit, request ids, error body, metrics, OpenAPI (/openapi.json, /docs),
 *         /healthz, /readyz, deps.publicRoutes (the UI shell) (no token needed), /metrics (an
 *         admin token or config.metricsToken)
 *   └ API scope: bearer-token auth on every route (deny by default)
 *       └ one encapsulated context per RoutePlugin: the built-in resources, then deps.routes
 *         (e.g. the run manager's)
 */
import { randomUUID } from 'node:crypto';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { CohortlinkError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { DataFiles } from '../store/files.js';
import { authenticateToken } from '../store/tokens.js';
import { type ServiceConfigInput, serviceConfigSchema } from './config.js';
import { createContext, type RoutePlugin, type ServiceContext } from './context.js';
import { EventLoopDelay } from './eventLoopMetrics.js';
import { httpMetrics, MetricsRegistry } from './metrics.js';
import { authenticate, BEARER_TOKEN } from './plugins/auth.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './plugins/errors.js';
import { registerMetrics } from './plugins/metrics.js';
import { registerOpenApi } from './plugins/openapi.js';
import { auditRoutes } from './routes/audit.js';
import { datasetRoutes } from './routes/datasets.js';
import { healthRoutes } from './routes/health.js';
import { organisationRoutes } from './routes/organisations.js';
import { projectRoutes } from './routes/projects.js';
import { usageRoutes } from './routes/usage.js';

export interface LoggerSettings {
  readonly level?: string;
  /** Where JSON log lines go (default stdout); tests pass a stream to inspect them. */
  readonly stream?: { write(line: string): void };
}

export interface AppDeps {
  readonly db: Db;
  /** The data folder, already `init()`ed. */
  readonly files: DataFiles;
  /** false = no logging. */
  readonly logger?: LoggerSettings | false;
  readonly config?: ServiceConfigInput;
  /** Pass one to share it with components built outside the app (e.g. the run manager). */
  readonly metrics?: MetricsRegistry;
  /** Extra route groups, registered inside the authenticated scope after the built-in ones. */
  readonly routes?: readonly RoutePlugin[];
  /** Route groups that need no token (the reviewer UI's static shell), registered outside that scope. */
  readonly publicRoutes?: readonly RoutePlugin[];
}

export interface App {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
}

const BUILT_IN_ROUTES: readonly RoutePlugin[] = [
  organisationRoutes,
  projectRoutes,
  datasetRoutes,
  auditRoutes,
  usageRoutes,
];

/** A client-supplied request id is kept only if it is short and plain (it goes into logs). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Rate-limit buckets kept (LRU): one per live token plus one per address sending noise. */
const RATE_LIMIT_BUCKETS = 20_000;

export async function buildApp(deps: AppDeps): Promise<App> {
  const config = serviceConfigSchema.parse(deps.config ?? {});
  const metrics = deps.metrics ?? new MetricsRegistry();
  const http = httpMetrics(metrics);
  const loopDelay = new EventLoopDelay();
  metrics.register('cohortlink_event_loop_delay_seconds', loopDelay);
  const ctx = createContext({ db: deps.db, files: deps.files, config, metrics, http });

  const app = Fastify({
    logger: loggerOptions(deps.logger),
    bodyLimit: config.jsonBodyLimitBytes,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // An upload of hundreds of MB takes seconds to minutes, so the request timeout is long; a
    // client that stops sending, or trickles a body, is cut off by the idle-socket and whole-
    // request limits instead of holding a socket and a temp file for ever (config.ts).
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // The router's and Node's parser errors answer with the service's error body too, and
    // never quote the URL back (Fastify's defaults do).
    frameworkErrors,
    clientErrorHandler,
    // Node checks the request and header timeouts only this often (default 30 s).
    http: {
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)),
      ),
    },
  }).withTypeProvider<ZodTypeProvider>();
  // Node wants headersTimeout ≤ requestTimeout; Fastify has no option for it.
  app.server.headersTimeout = Math.min(config.headersTimeoutMs, config.requestTimeoutMs);
  app.addHook('onClose', async () => loopDelay.close());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app, [deps.files.root, deps.db.name]);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  await app.register(helmet, { global: true });
  if (config.rateLimitMax > 0) {
    await app.register(rateLimit, {
      // Not per route: an app-level hook runs before the API scope's authentication, so requests
      // that fail it are counted too (per route, a 401 came first and noise was never limited).
      global: false,
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
      // Per VERIFIED token (its id), per address for everything else: keying by the raw header
      // let 5,100 garbage headers evict a real token's bucket and left unauthenticated clients
      // unlimited (issue 14). A bucket per address bounds what noise can create.
      keyGenerator: (req) => {
        const token = BEARER_TOKEN.exec(req.headers.authorization ?? '')?.[1];
        const a = token === undefined ? undefined : authenticateToken(deps.db, token);
        return a?.ok ? `t:${a.principal.tokenId}` : `ip:${req.ip}`;
      },
      cache: RATE_LIMIT_BUCKETS,
      errorResponseBuilder: (_req, c) =>
        new CohortlinkError(
          'CL_RATE_LIMITED',
          `rate limit of ${c.max} requests per ${c.after} exceeded; retry later`,
        ),
    });
    app.addHook('onRequest', app.rateLimit());
  }
  await registerOpenApi(app);
  registerMetrics(app, metrics, http, { db: deps.db, metricsToken: config.metricsToken });
  await app.register(async (scope) => healthRoutes(scope, ctx));
  for (const plugin of deps.publicRoutes ?? []) await app.register(async (scope) => plugin(scope, ctx));

  await app.register(async (api) => {
    api.addHook('onRequest', authenticate(deps.db));
    for (const plugin of [...BUILT_IN_ROUTES, ...(deps.routes ?? [])])
      await api.register(async (scope) => plugin(scope, ctx));
  });
  await app.ready();
  return { app, ctx };
}

function loggerOptions(settings: LoggerSettings | false | undefined): FastifyServerOptions['logger'] {
  if (settings === false) return false;
  return {
    level: settings?.level ?? 'info',
    ...(settings?.stream ? { stream: settings.stream } : {}),
    // Fastify's request serializer logs method, url and address, not headers; this guards any
    // future log call that includes them. Bodies (identifiers' encodings) are never logged.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization'],
      censor: '[redacted]',
    },
  };
}
