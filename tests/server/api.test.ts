/**
 * The service over real HTTP (loopback, fetch): administration, uploads and their failure
 * modes, role rules, error bodies, OpenAPI, metrics and logs.
 */

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/store/audit.js';
import {
  call,
  createOrganisations,
  encodingsNdjson,
  KEY_B,
  startTestService,
  type TestService,
  uploadId,
} from './helpers.js';

let s: TestService;
const tokens: Record<string, string> = {};
const orgs: Record<string, string> = {};
let projectId: string;

const ndjson = (lines: string[]): string => `${lines.join('\n')}\n`;

function upload(
  token: string,
  name: string,
  body: BodyInit,
  opts: { id?: string; headers?: Record<string, string> } = {},
) {
  return call(
    s,
    'POST',
    `/projects/${projectId}/datasets?name=${encodeURIComponent(name)}&uploadId=${opts.id ?? uploadId()}`,
    {
      token,
      body,
      headers: { 'content-type': 'application/x-ndjson', ...opts.headers },
    },
  );
}

async function datasetsAsAdmin(): Promise<{ name: string }[]> {
  return (await call(s, 'GET', `/projects/${projectId}/datasets`, { token: s.adminToken })).body.datasets;
}

beforeAll(async () => {
  s = await startTestService();
  {
    const made = await createOrganisations(s, s.adminToken, [
      ['Hospital', 'provider'],
      ['Spine', 'provider'],
      ['University', 'researcher'],
      ['Regulator', 'reviewer'],
      ['Outsider', 'provider'],
    ]);
    Object.assign(orgs, made.ids);
    Object.assign(tokens, made.tokens);
  }
  const p = await call(s, 'POST', '/projects', {
    token: s.adminToken,
    json: { name: 'Trial 1', members: [orgs.Hospital, orgs.Spine, orgs.University] },
  });
  expect(p.status).toBe(201);
  projectId = p.body.id;
  const added = await call(s, 'PUT', `/projects/${projectId}/members/${orgs.Regulator}`, {
    token: s.adminToken,
  });
  expect(added.body.members).toHaveLength(4);
});

afterAll(async () => {
  await s?.close();
});

describe('authentication and errors', () => {
  it('refuses a request without a token or with a bad one, with a coded body', async () => {
    const none = await call(s, 'GET', '/projects');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('CL_UNAUTHENTICATED');
    const bad = await call(s, 'GET', '/projects', { token: 'clt_thisisnotarealtokenatall' });
    expect(bad.status).toBe(401);
    expect(bad.body.error.message).toMatch(/unknown/);
    expect(bad.text).not.toMatch(/at .*\.js/); // no stack trace
  });

  it('answers health checks without a token', async () => {
    expect((await call(s, 'GET', '/healthz')).status).toBe(200);
    expect((await call(s, 'GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('turns validation errors into CL_USAGE with a JSON path', async () => {
    const r = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name: '' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('CL_USAGE');
    expect(r.body.error.issues[0].path).toBe('$.body.name');
  });

  it('answers unknown routes with CL_NOT_FOUND and a request id', async () => {
    const r = await call(s, 'GET', '/nowhere', { headers: { 'x-request-id': 'trace-123' } });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('CL_NOT_FOUND');
    expect(r.headers.get('x-request-id')).toBe('trace-123');
  });

  it('keeps admin routes for admins', async () => {
    const r = await call(s, 'POST', '/organisations', { token: tokens.Hospital!, json: { name: 'Sneaky' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CL_FORBIDDEN');
  });

  it('refuses a duplicate organisation name with 409', async () => {
    const r = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name: 'Hospital' } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CL_CONFLICT');
  });
});

describe('tokens', () => {
  it('lists tokens without secrets and revokes them', async () => {
    const org = orgs.Outsider!;
    const created = await call(s, 'POST', `/organisations/${org}/tokens`, {
      token: s.adminToken,
      json: { role: 'reviewer' },
    });
    const listed = await call(s, 'GET', `/tokens?organisationId=${org}`, { token: s.adminToken });
    expect(listed.body.tokens.map((t: { id: string }) => t.id)).toContain(created.body.id);
    expect(listed.text).not.toContain(created.body.token);
    expect((await call(s, 'GET', '/me', { token: created.body.token })).body.role).toBe('reviewer');
    const revoked = await call(s, 'DELETE', `/tokens/${created.body.id}`, { token: s.adminToken });
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await call(s, 'GET', '/me', { token: created.body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/revoked/);
  });

  it('refuses an expiry in the past', async () => {
    const r = await call(s, 'POST', `/organisations/${orgs.Outsider}/tokens`, {
      token: s.adminToken,
      json: { role: 'reviewer', expiresAt: '2001-01-01T00:00:00Z' },
    });
    expect(r.status).toBe(400);
  });
});

describe('uploads', () => {
  let hospitalId: string;
  const hospitalUpload = uploadId();
  const hospital = ndjson(encodingsNdjson({ records: 50, refPrefix: 'SECRETREF' }));

  it('stores a valid upload and fixes the project encoding', async () => {
    const r = await upload(tokens.Hospital!, 'hospital', hospital, { id: hospitalUpload });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: 'hospital', records: 50, bytes: Buffer.byteLength(hospital) });
    hospitalId = r.body.id;
    expect(readFileSync(s.files.datasetPath(hospitalId), 'utf8')).toBe(hospital);
    const p = await call(s, 'GET', `/projects/${projectId}`, { token: tokens.Hospital! });
    expect(p.body.encoding).toEqual({
      schemaFingerprint: '1'.repeat(32),
      keyFingerprint: 'a'.repeat(32),
      filterBits: 128,
    });
  });

  it('returns the stored dataset for a retry with the same uploadId', async () => {
    const r = await upload(tokens.Hospital!, 'hospital', hospital, { id: hospitalUpload });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(hospitalId);
    expect((await datasetsAsAdmin()).filter((d) => d.name === 'hospital')).toHaveLength(1);
  });

  it('does not duplicate when two attempts with one uploadId race', async () => {
    const id = uploadId();
    const body = ndjson(encodingsNdjson({ records: 30 }));
    const [a, b] = await Promise.all([
      upload(tokens.Spine!, 'spine-race', body, { id }),
      upload(tokens.Spine!, 'spine-race', body, { id }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.id).toBe(b.body.id);
    expect(s.files.temps()).toEqual([]);
  });

  it('refuses another secret with 409 naming the key fingerprint, storing nothing', async () => {
    const r = await upload(
      tokens.Spine!,
      'spine-b',
      ndjson(encodingsNdjson({ records: 20, keyFingerprint: KEY_B })),
    );
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CL_ENCODING_MISMATCH');
    expect(r.body.error.message).toContain('keyFingerprint');
    expect(r.body.error.issues).toEqual([expect.objectContaining({ path: '$.header.keyFingerprint' })]);
    expect((await datasetsAsAdmin()).map((d) => d.name)).not.toContain('spine-b');
    expect(s.files.temps()).toEqual([]);
  });

  it('refuses a broken line with 400 naming it, storing nothing', async () => {
    const lines = encodingsNdjson({ records: 10 });
    lines[4] = '{"ref":"x4","clk":';
    const r = await upload(tokens.Spine!, 'spine-broken', ndjson(lines));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('CL_NDJSON_MALFORMED');
    expect(r.body.error.message).toContain('line 5');
    expect(r.body.error.issues[0].path).toBe('line 5');
    expect((await datasetsAsAdmin()).map((d) => d.name)).not.toContain('spine-broken');
    expect(s.files.temps()).toEqual([]);
  });

  it('refuses a file cut short (no summary line)', async () => {
    const lines = encodingsNdjson({ records: 10 });
    const r = await upload(tokens.Spine!, 'spine-cut', ndjson(lines.slice(0, -1)));
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/no summary line/);
  });

  it('accepts a gzip body and stores it decompressed', async () => {
    const body = ndjson(encodingsNdjson({ records: 40, refPrefix: 'spine' }));
    const r = await upload(tokens.Spine!, 'spine', gzipSync(body), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(r.status).toBe(201);
    expect(r.body.records).toBe(40);
    expect(readFileSync(s.files.datasetPath(r.body.id), 'utf8')).toBe(body);
  });

  it('refuses a body that is not gzip although it says so', async () => {
    const r = await upload(tokens.Spine!, 'spine-notgz', 'plain text', {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/gzip/);
  });

  it('refuses uploads from researchers (403) and from non-members (404)', async () => {
    const body = ndjson(encodingsNdjson({ records: 5 }));
    const researcher = await upload(tokens.University!, 'uni', body);
    expect(researcher.status).toBe(403);
    expect(researcher.body.error.code).toBe('CL_FORBIDDEN');
    const outsider = await upload(tokens.Outsider!, 'out', body);
    expect(outsider.status).toBe(404);
  });

  it('refuses another upload under a name already used', async () => {
    const r = await upload(tokens.Spine!, 'hospital', ndjson(encodingsNdjson({ records: 5 })));
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CL_CONFLICT');
  });

  it('removes the temp file when the client disconnects mid-upload', async () => {
    const url = new URL(`${s.base}/projects/${projectId}/datasets?name=gone&uploadId=${uploadId()}`);
    const lines = encodingsNdjson({ records: 2000 });
    await new Promise<void>((resolve) => {
      const req = httpRequest(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.Spine}`, 'content-type': 'application/x-ndjson' },
      });
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.write(ndjson(lines.slice(0, 1000)), () => {
        // Wait until the server holds a temp file, then vanish.
        const poll = setInterval(() => {
          if (s.files.temps().length > 0) {
            clearInterval(poll);
            req.destroy();
          }
        }, 5);
      });
    });
    for (let i = 0; i < 200 && s.files.temps().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.files.temps()).toEqual([]);
    expect((await datasetsAsAdmin()).map((d) => d.name)).not.toContain('gone');
  });

  describe('role rules for reading', () => {
    it('shows a provider only its own datasets', async () => {
      const r = await call(s, 'GET', `/projects/${projectId}/datasets`, { token: tokens.Hospital! });
      expect(r.body.datasets.map((d: { name: string }) => d.name)).toEqual(['hospital']);
      expect(r.body.datasets[0].uploadId).toBe(hospitalUpload);
      const other = await call(s, 'GET', `/projects/${projectId}/datasets`, { token: tokens.Spine! });
      expect(other.body.datasets.map((d: { name: string }) => d.name)).not.toContain('hospital');
    });

    it('shows researchers names and counts only', async () => {
      const r = await call(s, 'GET', `/projects/${projectId}/datasets`, { token: tokens.University! });
      const names = r.body.datasets.map((d: { name: string }) => d.name);
      expect(names).toEqual(expect.arrayContaining(['hospital', 'spine']));
      for (const d of r.body.datasets)
        expect(Object.keys(d).sort()).toEqual(['createdAt', 'id', 'name', 'projectId', 'records']);
    });

    it('lets reviewers read the data-quality summary, and audits it', async () => {
      const r = await call(s, 'GET', `/projects/${projectId}/datasets/${hospitalId}/summary`, {
        token: tokens.Regulator!,
      });
      expect(r.status).toBe(200);
      expect(r.body.summary).toMatchObject({ type: 'summary', encoded: 50 });
      const denied = await call(s, 'GET', `/projects/${projectId}/datasets/${hospitalId}/summary`, {
        token: tokens.University!,
      });
      expect(denied.status).toBe(403);
      const spine = await call(s, 'GET', `/projects/${projectId}/datasets/${hospitalId}/summary`, {
        token: tokens.Spine!,
      });
      expect(spine.status).toBe(404);
      const audit = await call(s, 'GET', `/audit?projectId=${projectId}&limit=1000`, {
        token: tokens.Regulator!,
      });
      expect(audit.body.entries.map((e: { action: string }) => e.action)).toContain('dataset.summary.read');
    });
  });
});

describe('audit, usage, docs, metrics, logs', () => {
  it('gives reviewers their project audit trail only', async () => {
    const r = await call(s, 'GET', `/audit?projectId=${projectId}`, { token: tokens.Regulator! });
    expect(r.status).toBe(200);
    expect(r.body.entries.length).toBeGreaterThan(0);
    for (const e of r.body.entries) expect(e.projectId).toBe(projectId);
    expect((await call(s, 'GET', '/audit', { token: tokens.Regulator! })).status).toBe(400);
    expect((await call(s, 'GET', '/audit', { token: tokens.Hospital! })).status).toBe(403);
    const all = await call(s, 'GET', '/audit?limit=1000', { token: s.adminToken });
    expect(all.body.entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'organisation.created',
        'token.created',
        'project.created',
        'dataset.uploaded',
      ]),
    );
    expect(JSON.stringify(all.body)).not.toMatch(/SECRETREF|clt_/);
    expect(verifyAudit(s.db)).toMatchObject({ ok: true });
  });

  it('exports the usage ledger of a period as CSV', async () => {
    const r = await call(s, 'GET', '/usage.csv?from=2000-01-01&to=2999-01-01', { token: s.adminToken });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = r.text.trim().split('\r\n');
    expect(rows[0]).toBe('id,at,organisation_id,organisation_name,kind,quantity,ref');
    expect(rows.some((l) => l.includes(',Hospital,upload_records,50,'))).toBe(true);
    const empty = await call(s, 'GET', '/usage.csv?from=2000-01-01&to=2000-01-02', { token: s.adminToken });
    expect(empty.text.trim().split('\r\n')).toHaveLength(1);
    expect(
      (await call(s, 'GET', '/usage.csv?from=2000-01-01&to=2999-01-01', { token: tokens.Hospital! })).status,
    ).toBe(403);
  });

  it('publishes OpenAPI listing the routes, and interactive docs', async () => {
    const r = await call(s, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toMatch(/^3\./);
    expect(Object.keys(r.body.paths)).toEqual(
      expect.arrayContaining([
        '/organisations',
        '/organisations/{organisationId}/tokens',
        '/tokens/{tokenId}',
        '/projects',
        '/projects/{projectId}/members/{organisationId}',
        '/projects/{projectId}/datasets',
        '/projects/{projectId}/datasets/{datasetId}/summary',
        '/audit',
        '/usage.csv',
        '/healthz',
      ]),
    );
    const docs = await fetch(`${s.base}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('counts requests and upload bytes in /metrics', async () => {
    const r = await call(s, 'GET', '/metrics', { token: s.adminToken });
    expect(r.text).toMatch(
      /cohortlink_http_requests_total\{method="POST",route="\/projects\/:projectId\/datasets",status="201"\} \d+/,
    );
    expect(r.text).toMatch(/cohortlink_upload_bytes_total [1-9]\d*/);
    expect(r.text).toMatch(/cohortlink_http_request_duration_seconds_bucket/);
  });

  it('logs requests with ids but never tokens or record refs', () => {
    const all = s.logs.join('');
    expect(all).toMatch(/"reqId"/);
    for (const t of [s.adminToken, ...Object.values(tokens)]) expect(all).not.toContain(t);
    expect(all).not.toContain('SECRETREF');
  });
});
