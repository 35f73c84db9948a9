import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { appendAudit } from '../../store/audit.js';
import { openDatabase } from '../../store/db.js';
import { createOrganisation } from '../../store/repos/organisations.js';
import { countAdminTokens, createToken } from '../../store/tokens.js';

interface InitFlags {
  db: string;
  name: string;
}

export function registerAdmin(program: Command): void {
  const admin = program.command('admin').description('Administer a service database');
  admin
    .command('init')
    .description('Create the first admin organisation and token on a new database; prints the token once')
    .option('--db <file>', 'SQLite database', './data/cohortlink.db')
    .option('--name <organisation>', 'name of the operating organisation', 'cohortlink operator')
    .action((flags: InitFlags) => {
      const db = openDatabase(flags.db);
      try {
        const { token, organisationId } = db
          .transaction(() => {
            if (countAdminTokens(db) > 0)
              throw new CohortlinkError(
                'CL_CONFLICT',
                `${flags.db} already has an admin token; create further tokens through the API`,
              );
            const org = createOrganisation(db, flags.name);
            const t = createToken(db, { organisationId: org.id, role: 'admin', label: 'admin init' });
            appendAudit(db, { action: 'organisation.created', target: org.id, detail: { name: org.name } });
            appendAudit(db, {
              action: 'token.created',
              organisationId: org.id,
              target: t.record.id,
              detail: { organisationId: org.id, role: 'admin', via: 'admin init' },
            });
            return { token: t.token, organisationId: org.id };
          })
          .immediate();
        process.stderr.write(
          `created admin organisation ${organisationId}; the token below is shown once — store it now\n`,
        );
        process.stdout.write(`${token}\n`);
      } finally {
        db.close();
      }
    });
}
