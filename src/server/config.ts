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
  /** Longest single NDJSON line (the summary line is the longest): 16 MiB. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 ** 2),
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
});

export type ServiceConfig = z.output<typeof serviceConfigSchema>;
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;
