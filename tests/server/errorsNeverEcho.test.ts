/**
 * Errors never echo values (issue 14, items 7 and 9), tested as an attacker (or a careless
 * export) would provoke them: attribute, event and encodings uploads whose bad values are
 * distinctive strings. The 400 names line, field and reason; neither the answer nor anything
 * the service logged holds the values, and no answer holds a path of the data folder.
 */
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import { CohortlinkError } from '../../src/errors.js';
import { registerErrorHandling } from '../../src/server/plugins/errors.js';
import { REDACTED_PATH } from '../../src/server/redactPaths.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { addMember, createProject } from '../../src/store/repos/projects.js';
import { createToken } from '../../src/store/tokens.js';
import { call, encodingsNdjson, startTestService, type TestService, uploadId } from './helpers.js';

let s: TestService;
let token: string;
let url: string;
let projectId: string;

beforeAll(async () => {
  s = await startTestService({ rateLimitMax: 0 }, [
    cohortRoutePlugin({ key: createDisclosureKey('never echo test disclosure secret') }),
  ]);
  const org = createOrganisation(s.db, 'Provider');
  projectId = createProject(s.db, 'P').id;
  addMember(s.db, projectId, org.id);
  token = createToken(s.db, { organisationId: org.id, role: 'provider' }).token;
  const up = await call(s, 'POST', `/projects/${projectId}/datasets?name=d&uploadId=${uploadId()}`, {
    token,
    body: `${encodingsNdjson({ records: 20 }).join('\n')}\n`,
    headers: { 'content-type': 'application/x-ndjson' },
  });
  expect(up.status, up.text).toBe(201);
  url = `/projects/${projectId}/datasets/${up.body.id}`;
});
afterAll(async () => {
  await s?.close();
});

/** The answer and the whole log hold no SECRET value and no path of the data folder. */
function noEcho(text: string): void {
  const logs = s.logs.join('\n');
  expect(text).not.toMatch(/SECRET/i);
  expect(logs).not.toMatch(/SECRET/i);
  for (const leak of [s.files.root, s.files.tmpDir, '.part', 'tmp/', s.dbPath])
    expect(text).not.toContain(leak);
}

describe('attribute uploads', () => {
  it('name line, field and reason for every bad value, quoting none', async () => {
    const lines = [
      '{"ref":"r0","deceased":true,"deathDate":"SECRET-DATE-123"}',
      '{"ref":"r1","sex":"SECRET-SEX-1","deceased":false}',
      '{"ref":"r2","region":"SECRET-REGION","deceased":false}',
      '{"ref":"r3","deceased":false,"SECRET-KEY-9":1}',
      '{"ref":"SECRET-REF-5","deceased":false}',
      '{"ref":"r4","birthYear":"SECRET-YEAR","deceased":false}',
      'not json SECRET-JSON',
      '{"ref":"r5","deceased":true,"deathDate":"2021-02-30"}',
      '{"ref":"r6","deceased":"SECRET-BOOL"}',
    ];
    const r = await call(s, 'POST', `${url}/attributes`, {
      token,
      body: `${lines.join('\n')}\n`,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_NDJSON_MALFORMED');
    expect(r.body.error.message).toContain('(the upload)');
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      'line 1, column deathDate',
      'line 2, column sex',
      'line 3, column region',
      'line 4',
      'line 5, column ref',
      'line 6, column birthYear',
      'line 7',
      'line 8, column deathDate',
      'line 9, column deceased',
    ]);
    expect(r.body.error.issues[3].message).toBe('holds a field this format does not define');
    noEcho(r.text);
  });
});

describe('event uploads', () => {
  it('name line, column and reason for every bad value, quoting none', async () => {
    const rows = [
      'ref,system,code,date',
      'r0,ICD-10,SECRET-CODE-77,2020-01-01',
      'r1,ICD-10,E11,SECRET-DATE-456',
      'r2,SECRET-SYS,E11,2020-01-01',
      'SECRET-REF-8,ICD-10,E11,2020-01-01',
      'r3,SNOMED-CT,SECRET12345,2020-01-01',
      'r4,OPCS-4,SECRETW37,2020-01-01',
      'r5,ICD-10,E11,2020-01-01,SECRET-EXTRA',
      'r6,SNOMED-CT,44054007,2020-01-01',
    ];
    const r = await call(s, 'POST', `${url}/events`, {
      token,
      body: `${rows.join('\n')}\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_CSV_MALFORMED');
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toEqual([
      'line 2, column code',
      'line 3, column date',
      'line 4, column system',
      'line 5, column ref',
      'line 6, column code',
      'line 7, column code',
      'line 8',
      'line 9, column code',
    ]);
    noEcho(r.text);
  });

  it('a bad header is named, not quoted', async () => {
    const r = await call(s, 'POST', `${url}/events`, {
      token,
      body: 'SECRET-HEADER,system,code,date\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status, r.text).toBe(400);
    expect(r.body.error.code).toBe('CL_CSV_HEADER');
    noEcho(r.text);
  });
});

describe('encodings uploads', () => {
  it('name the line of a bad record, quoting none of it', async () => {
    for (const bad of [
      '{"ref":"SECRET-REF\\u0001","clk":"AAAAAAAAAAAAAAAAAAAAAA==","blocks":{}}',
      '{"ref":"r1","clk":"SECRET-CLK","blocks":{}}',
      'SECRET not json',
      '{"ref":"r1","clk":"AAAAAAAAAAAAAAAAAAAAAA==","blocks":{"soundex":["SECRET-KEY"]}}',
    ]) {
      const lines = encodingsNdjson({ records: 2 });
      lines.splice(2, 0, bad);
      const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=e&uploadId=${uploadId()}`, {
        token,
        body: `${lines.join('\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.issues[0].path).toBe('line 3');
      noEcho(r.text);
    }
  });
});

describe('error answers', () => {
  it('carry no path of the data folder or the database, whatever raised them', async () => {
    const root = join('/srv', 'cohortlink', 'data.db.files');
    const app = Fastify({ logger: false });
    registerErrorHandling(app, [root, '/srv/cohortlink/data.db']);
    app.get('/leak', async () => {
      throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read ${root}/tmp/0a9a.part: ENOENT`, [
        { path: `${root}/cohort/x.events.csv`, message: 'see /srv/cohortlink/data.db-wal' },
      ]);
    });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await call({ base }, 'GET', '/leak');
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({
        code: 'CL_FILE_UNREADABLE',
        message: `cannot read ${REDACTED_PATH}: ENOENT`,
        issues: [{ path: REDACTED_PATH, message: `see ${REDACTED_PATH}` }],
      });
      expect(r.text).not.toContain('/srv/');
    } finally {
      await app.close();
    }
  });
});
