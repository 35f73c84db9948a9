/**
 * `/metrics` shows per-route activity and record counts, so it needs a credential (issue 14,
 * item 7): an admin token, or the metrics token configured for Prometheus scrapers. `/healthz`
 * stays open for load balancers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { createToken } from '../../src/store/tokens.js';
import { call, startTestService, type TestService } from './helpers.js';

const SCRAPER = randomBytes(24).toString('base64url');

describe('/metrics', () => {
  let s: TestService;
  let reviewer: string;

  beforeAll(async () => {
    s = await startTestService({ metricsToken: SCRAPER });
    const org = createOrganisation(s.db, 'Reviewers');
    reviewer = createToken(s.db, { organisationId: org.id, role: 'reviewer' }).token;
  });
  afterAll(async () => s.close());

  it('answers 401 without a credential, or with a malformed or unknown one', async () => {
    const none = await call(s, 'GET', '/metrics');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('CL_UNAUTHENTICATED');
    expect(none.text).not.toMatch(/cohortlink_http_requests_total/);
    expect((await call(s, 'GET', '/metrics', { headers: { authorization: 'Basic eDp5' } })).status).toBe(401);
    const unknown = await call(s, 'GET', '/metrics', { token: randomBytes(24).toString('base64url') });
    expect(unknown.status).toBe(401);
  });

  it('answers 403 to a token of another role', async () => {
    const r = await call(s, 'GET', '/metrics', { token: reviewer });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CL_FORBIDDEN');
  });

  it('answers 200 with Prometheus text to an admin token and to the metrics token', async () => {
    for (const token of [s.adminToken, SCRAPER]) {
      const r = await call(s, 'GET', '/metrics', { token });
      expect(r.status, r.text).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(r.text).toMatch(
        /cohortlink_http_requests_total\{method="GET",route="\/metrics",status="401"\} \d+/,
      );
    }
  });

  it('keeps /healthz open', async () => {
    const r = await call(s, 'GET', '/healthz');
    expect(r.status).toBe(200);
  });

  it('takes only admin tokens when no metrics token is configured', async () => {
    const plain = await startTestService();
    try {
      expect((await call(plain, 'GET', '/metrics', { token: SCRAPER })).status).toBe(401);
      expect((await call(plain, 'GET', '/metrics', { token: plain.adminToken })).status).toBe(200);
    } finally {
      await plain.close();
    }
  });
});
