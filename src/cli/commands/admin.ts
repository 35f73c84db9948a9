import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { openDatabase } from '../../store/db.js';
import { initAdmin } from '../../store/initAdmin.js';

interface InitFlags {
  db: string;
  name: string;
}

export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('Administer a service database');
  admin
    .command('init')
    .description(
      'Create the first admin organisation and token on a new database — or a new admin token once none is active (every one revoked or expired); prints the token once',
    )
    .option('--db <file>', 'SQLite database', './data/cohortlink.db')
    .option('--name <organisation>', 'name of the operating organisation', 'cohortlink operator')
    .action((flags: InitFlags) => {
      const db = openDatabase(flags.db);
      try {
        let created: ReturnType<typeof initAdmin>;
        try {
          created = initAdmin(db, flags.name);
        } catch (err) {
          if (err instanceof CohortlinkError && err.code === 'CL_CONFLICT')
            throw new CohortlinkError(
              'CL_CONFLICT',
              `${flags.db} already has an active admin token; create further tokens through the API`,
            );
          throw err;
        }
        const { token, organisationId, existing } = created;
        process.stderr.write(
          existing
            ? `no admin token was active: created one for the existing organisation ${organisationId}; the token below is shown once — store it now\n`
            : `created admin organisation ${organisationId}; the token below is shown once — store it now\n`,
        );
        process.stdout.write(`${token}\n`);
      } finally {
        db.close();
      }
    });
}
