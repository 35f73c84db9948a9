import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { verifyAudit } from '../../store/audit.js';
import { openDatabase } from '../../store/db.js';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Check the audit trail of a service database');
  audit
    .command('verify')
    .description('Recompute the hash chain; exit 0 if intact, else name the first bad entry')
    .option('--db <file>', 'SQLite database', './data/cohortlink.db')
    .action((flags: { db: string }) => {
      // Read-only and without migrating: verifying must not change what it checks.
      const db = openDatabase(flags.db, { readonly: true, migrate: false });
      try {
        const r = verifyAudit(db);
        if (!r.ok) throw new CohortlinkError('CL_STORE_CORRUPT', `audit entry ${r.seq}: ${r.problem}`);
        // The head hash can be recorded elsewhere (a ticket, a log) to detect a rewritten chain later.
        process.stdout.write(`audit trail intact: ${r.entries} entries, head ${r.headHash}\n`);
      } finally {
        db.close();
      }
    });
}
