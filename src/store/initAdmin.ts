/**
 * The first admin organisation and token of an empty database (`cohortlink admin init`, and the
 * demo). Refused once any admin token exists: further tokens go through the API, audited.
 */
import { CohortlinkError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { createOrganisation } from './repos/organisations.js';
import { countAdminTokens, createToken } from './tokens.js';

export function initAdmin(db: Db, name: string): { token: string; organisationId: string } {
  return db
    .transaction(() => {
      if (countAdminTokens(db) > 0)
        throw new CohortlinkError(
          'CL_CONFLICT',
          'the database already has an admin token; create further tokens through the API',
        );
      const org = createOrganisation(db, name);
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
}
