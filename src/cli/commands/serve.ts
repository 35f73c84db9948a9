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
    .action(async (flags: ServeFlags) => {
      const rateLimitMax = flags.rateLimit ?? rateLimitFromEnv();
      const key = disclosureKey(flags.disclosureSecretFile);
      const service = await startService({
        dbPath: flags.db,
        port: flags.port,
        host: flags.host,
        logger: { level: flags.logLevel },
        config: {
          ...(rateLimitMax === undefined ? {} : { rateLimitMax, rateLimitWindowMs: 60_000 }),
          ...(flags.feasibilityBudget === undefined
            ? {}
            : { feasibilityQueryBudget: flags.feasibilityBudget }),
          ...(flags.minRunRecords === undefined ? {} : { minRunRecords: flags.minRunRecords }),
        },
        ...serviceRoutes(key),
      });
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
