import type { Command } from 'commander';
import type { RoutePlugin } from '../../server/context.js';
import { runRoutes } from '../../server/routes/runs.js';
import { startService } from '../../server/start.js';
import { intOption } from './options.js';

/** The run manager's routes (src/server/routes/runs.ts), given the service context. */
const withRuns: RoutePlugin = async (app, ctx) => {
  await app.register(runRoutes, { ctx });
};

interface ServeFlags {
  port: number;
  host: string;
  db: string;
  logLevel: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the linkage service (HTTP API, OpenAPI docs at /docs)')
    .option('--port <n>', 'TCP port', intOption('--port', 0, 65_535), 8080)
    .option('--host <addr>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option('--db <file>', 'SQLite database; bulk files go in <file>.files/', './data/cohortlink.db')
    .option('--log-level <level>', 'pino level: fatal, error, warn, info, debug', 'info')
    .action(async (flags: ServeFlags) => {
      const service = await startService({
        dbPath: flags.db,
        port: flags.port,
        host: flags.host,
        logger: { level: flags.logLevel },
        routes: [withRuns],
      });
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
