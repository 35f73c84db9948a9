/**
 * The service's tunables, in one place with their units. `serve` and tests override any of
 * them; everything else reads the validated result.
 */
import { z } from 'zod';

export const serviceConfigSchema = z.object({
  /** JSON bodies (admin requests): 64 KiB is far more than any legitimate one. */
  jsonBodyLimitBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** One encodings upload as stored (after gzip): 4 GiB ≈ 11M encodings of 1024 bits. */
  uploadLimitBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 ** 3),
  /**
   * Longest line of any upload (encodings, attributes, events): 256 KiB. A record line is at
   * most a few KiB (16,384-bit filter = 2,732 base64 characters, a ref of ≤ 256 characters,
   * block keys: 754 bytes measured at 1,024 bits); the encoder's summary line is the longest
   * (66,205 bytes measured with its cap of 1,000 listed rejections). Refused as the line passes
   * the limit, before the rest of it is read (docs/service-design.md, "Upload limits").
   */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Blank lines an upload may hold in all (the encoder writes none): 100. */
  maxBlankLines: z.number().int().min(0).default(100),
  /**
   * A gzip upload may expand to at most max(inflateRatio × compressed bytes received,
   * inflateFloorBytes). Real encodings compress 1.7–3.3×, attributes 7–7.8×, events 2.8–3.9×
   * (measured); only near-identical records (no identifiers at all) pass 20×.
   */
  inflateRatio: z.number().positive().default(20),
  /** Below this many decompressed bytes (64 MiB ≈ 180,000 encodings of 1,024 bits) no ratio applies. */
  inflateFloorBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 ** 2),
  /**
   * Time budget of one upload, from the handler's first read until it is validated (for
   * attributes and events, including the validation pass): 9 min, so the largest upload at
   * 10 MB/s fits (7 min) and the service answers 408 CL_TIMEOUT before Node's requestTimeoutMs
   * would cut the socket without an answer.
   */
  uploadTimeBudgetMs: z.number().int().positive().default(540_000),
  /**
   * Requests per token (per address without one) per window; 0 turns the limit off (a load
   * test, or a deployment that limits at its proxy). `serve --rate-limit` / COHORTLINK_RATE_LIMIT.
   */
  rateLimitMax: z.number().int().min(0).default(600),
  rateLimitWindowMs: z.number().int().positive().default(60_000),
  /**
   * Records every dataset of a run must hold (count). A run over a handful of records turns the
   * run listing into a membership oracle ("is this person in that register?": links 1 or 0), so
   * `POST /projects/:id/runs` refuses smaller datasets. Lowered only by tests that run tiny data.
   */
  minRunRecords: z.number().int().min(1).default(100),
  /**
   * Feasibility queries each organisation may ask per project (all runs together) unless an
   * admin sets its own budget: 20 is the largest at which the strongest tracker measured still
   * leaves ≥ 2 values of a small count plausible in ≥ 95 % of attempts (docs/disclosure-control.md).
   * Raised only by tests that ask many questions.
   */
  feasibilityQueryBudget: z.number().int().min(0).default(20),
  /** Runs whose joined people stay in memory for cohort questions (least recently used dropped). */
  cohortCacheRuns: z.number().int().min(1).default(4),
  /**
   * Timeouts (ms), so no client can hold a socket, a temp file or a file descriptor for ever
   * (issue 14). A socket idle for connectionTimeoutMs is closed (2 min: longer than the slowest
   * answer the service computes while the client waits, a first cohort build with exclusion
   * matching on a large run); a request (headers and body together) must
   * arrive within requestTimeoutMs (10 min: a 4 GiB upload at 10 MB/s takes 7); headers within
   * headersTimeoutMs; an idle keep-alive connection is closed after keepAliveTimeoutMs.
   */
  connectionTimeoutMs: z.number().int().positive().default(120_000),
  requestTimeoutMs: z.number().int().positive().default(600_000),
  headersTimeoutMs: z.number().int().positive().default(30_000),
  keepAliveTimeoutMs: z.number().int().positive().default(5_000),
  /**
   * A bearer token for Prometheus scrapers: `GET /metrics` answers an admin token or this one
   * (per-route activity and record counts are not for anyone who can reach the port). Unset = admin
   * tokens only. `serve --metrics-token-file` / COHORTLINK_METRICS_TOKEN; the shape of an API token.
   */
  metricsToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{16,128}$/, 'must be 16–128 characters of A–Z, a–z, 0–9, _ and -')
    .optional(),
});

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;
