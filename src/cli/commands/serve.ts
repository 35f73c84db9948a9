import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createDisclosureKey, type DisclosureKey } from '../../cohort/disclosure/index.js';
import { CohortlinkError } from '../../errors.js';
import { serviceRoutes } from '../../server/serviceRoutes.js';
import { startService } from '../../server/start.js';
import { intOption } from './options.js';

interface ServeFlags {
  port: number;
  host: string;
  db: string;
  logLevel: string;
  rateLimit?: number;
  disclosureSecretFile?: string;
  feasibilityBudget?: number;
  minRunRecords?: number;
  metricsTokenFile?: string;
  allowSharedDataDir: boolean;
}

/**
 * The disclosure-control key from `--disclosure-secret-file` or COHORTLINK_DISCLOSURE_SECRET
 * (trailing newline of a file ignored). Undefined = no cohort routes: feasibility without the
 * keyed rounding secret must not be served. The secret is never logged or echoed.
 */
function disclosureKey(file: string | undefined): DisclosureKey | undefined {
  let secret: string | undefined;
  if (file !== undefined) {
    try {
      secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CohortlinkError('CL_FILE_UNREADABLE', 'cannot read the disclosure secret file', [], {
        cause: err,
      });
    }
  } else secret = process.env.COHORTLINK_DISCLOSURE_SECRET;
  return secret === undefined || secret === '' ? undefined : createDisclosureKey(secret);
}

/**
 * The token Prometheus scrapers present to `/metrics` (besides admin tokens), from
 * `--metrics-token-file` or COHORTLINK_METRICS_TOKEN (trailing newline of a file ignored).
 * Undefined = admin tokens only. Never logged or echoed.
 */
function metricsToken(file: string | undefined): string | undefined {
  let token: string | undefined;
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CohortlinkError('CL_FILE_UNREADABLE', 'cannot read the metrics token file', [], {
        cause: err,
      });
    }
  } else token = process.env.COHORTLINK_METRICS_TOKEN;
  if (token === undefined || token === '') return undefined;
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(token))
    throw new CohortlinkError(
      'CL_USAGE',
      'the metrics token must be 16–128 characters of A–Z, a–z, 0–9, _ and - (e.g. `openssl rand -hex 32`)',
    );
  return token;
}

/** `COHORTLINK_RATE_LIMIT` when `--rate-limit` is not given; undefined = the config default. */
function rateLimitFromEnv(): number | undefined {
  const v = process.env.COHORTLINK_RATE_LIMIT;
  if (v === undefined || v.trim() === '') return undefined;
  return intOption('COHORTLINK_RATE_LIMIT', 0, 1_000_000_000)(v);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the linkage service (HTTP API, OpenAPI docs at /docs)')
    .option(
      '--port <n>',
      'TCP port (0 = any free port; the address is printed on stderr)',
      intOption('--port', 0, 65_535),
      8080,
    )
    .option('--host <addr>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--db <file>', 'SQLite database; bulk files go in <file>.files/', './data/cohortlink.db')
    .option('--log-level <level>', 'pino level: fatal, error, warn, info, debug', 'info')
    .option(
      '--rate-limit <n>',
      'requests per minute per token (per address without one); 0 = no limit (default 600, or COHORTLINK_RATE_LIMIT)',
      intOption('--rate-limit', 0, 1_000_000_000),
    )
    .option(
      '--disclosure-secret-file <file>',
      'secret (≥ 16 bytes) keying disclosure-control rounding; or COHORTLINK_DISCLOSURE_SECRET. Without one the cohort routes are off',
    )
    .option(
      '--feasibility-budget <n>',
      'feasibility questions per organisation per project unless an admin sets its own (default 20; see docs/disclosure-control.md)',
      intOption('--feasibility-budget', 0, 1_000_000),
    )
    .option(
      '--min-run-records <n>',
      'records every dataset of a run must hold, against membership probing (default 100)',
      intOption('--min-run-records', 1, 1_000_000_000),
    )
    .option(
      '--metrics-token-file <file>',
      'bearer token (16–128 of A–Z a–z 0–9 _ -) that Prometheus presents to /metrics, besides admin tokens; or COHORTLINK_METRICS_TOKEN',
    )
    .option(
      '--allow-shared-data-dir',
      'start even if other users can read or write the data folder or database (warns; not recommended: it holds encodings, refs and linkage keys)',
      false,
    )
    .action(async (flags: ServeFlags) => {
      // Whatever a component writes without an explicit mode (files.ts gives ours 0600/0700)
      // is private too: the link thread and report builders share this process's umask.
      process.umask(0o077);
      const rateLimitMax = flags.rateLimit ?? rateLimitFromEnv();
      const key = disclosureKey(flags.disclosureSecretFile);
      const scraperToken = metricsToken(flags.metricsTokenFile);
      const service = await startService({
        dbPath: flags.db,
        port: flags.port,
        host: flags.host,
        allowSharedDataDir: flags.allowSharedDataDir,
        logger: { level: flags.logLevel },
        config: {
          ...(rateLimitMax === undefined ? {} : { rateLimitMax, rateLimitWindowMs: 60_000 }),
          ...(flags.feasibilityBudget === undefined
            ? {}
            : { feasibilityQueryBudget: flags.feasibilityBudget }),
          ...(flags.minRunRecords === undefined ? {} : { minRunRecords: flags.minRunRecords }),
          ...(scraperToken === undefined ? {} : { metricsToken: scraperToken }),
        },
        ...serviceRoutes(key),
      });
      for (const w of service.warnings) process.stderr.write(`cohortlink serve: WARNING: ${w}\n`);
      // One plain line, whatever the log level, so scripts and tests can find the port.
      process.stderr.write(
        `cohortlink serve: listening on ${service.address} (reviewer UI: ${service.address}/ui/)\n`,
      );
      if (key === undefined)
        process.stderr.write('cohortlink serve: no disclosure secret given, cohort routes are off\n');
      // Stop taking requests, let those in flight finish, then close the database.
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          service.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
