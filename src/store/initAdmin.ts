/**
 * The first admin organisation and token of an empty database (`cohortlink admin init`, and the
 * demo). Refused while any admin token still works (further tokens go through the API, audited);
 * allowed again once every admin token is revoked or expired, so an operator on the host can
 * recover a store whose administration was locked out. The token then goes to the organisation
 * of that name if it exists (the operator's own, typically), else to a new one.
 */
import { CohortlinkError } from '../errors.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { createOrganisation, getOrganisationByName } from './repos/organisations.js';
import { countActiveAdminTokens, createToken } from './tokens.js';

export interface InitAdminResult {
  readonly token: string;
  readonly organisationId: string;
  /** Whether the organisation already existed (a locked-out store recovered). */
  readonly existing: boolean;
}

export function initAdmin(db: Db, name: string): InitAdminResult {
  return db
    .transaction(() => {
      if (countActiveAdminTokens(db) > 0)
        throw new CohortlinkError(
          'CL_CONFLICT',
          'the database already has an active admin token; create further tokens through the API',
        );
      const found = getOrganisationByName(db, name);
      const org = found ?? createOrganisation(db, name);
      const t = createToken(db, { organisationId: org.id, role: 'admin', label: 'admin init' });
      if (found === undefined)
        appendAudit(db, { action: 'organisation.created', target: org.id, detail: { name: org.name } });
      appendAudit(db, {
        action: 'token.created',
        organisationId: org.id,
        target: t.record.id,
        detail: {
          organisationId: org.id,
          role: 'admin',
          via: 'admin init',
          ...(found !== undefined ? { recovery: true } : {}),
        },
      });
      return { token: t.token, organisationId: org.id, existing: found !== undefined };
    })
    .immediate();
}
