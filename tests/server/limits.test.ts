/** Size and rate limits, each on a service configured with a small limit. */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { addMember, createProject } from '../../src/store/repos/projects.js';
import { createToken } from '../../src/store/tokens.js';
import { tempDir } from '../helpers/cli.js';
import { call, encodingsNdjson, startTestService, type TestService, uploadId } from './helpers.js';
import { startServe, stopAllServes } from './serveProcess.js';

let s: TestService | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});
afterAll(async () => {
  await stopAllServes();
});

function provider(svc: TestService): { token: string; projectId: string } {
  const org = createOrganisation(svc.db, 'Provider');
  const project = createProject(svc.db, 'P');
  addMember(svc.db, project.id, org.id);
  return {
    token: createToken(svc.db, { organisationId: org.id, role: 'provider' }).token,
    projectId: project.id,
  };
}

describe('upload size limit', () => {
  const body = `${encodingsNdjson({ records: 100 }).join('\n')}\n`; // ~5 KB

  it('refuses a declared oversize body with 413', async () => {
    s = await startTestService({ uploadLimitBytes: 2000 });
    const { token, projectId } = provider(s);
    const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=big&uploadId=${uploadId()}`, {
      token,
      body,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('CL_PAYLOAD_TOO_LARGE');
    expect(s.files.temps()).toEqual([]);
  });

  it('refuses a streamed (chunked) oversize body with 413 and keeps nothing', async () => {
    s = await startTestService({ uploadLimitBytes: 2000 });
    const { token, projectId } = provider(s);
    const chunks = body.match(/[\s\S]{1,500}/g)!;
    const stream = new ReadableStream({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=big&uploadId=${uploadId()}`, {
      token,
      body: stream,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.message).toMatch(/2000 bytes/);
    expect(s.files.temps()).toEqual([]);
    expect(s.db.prepare('SELECT count(*) AS n FROM dataset').get()).toEqual({ n: 0 });
  });

  it('refuses an oversize JSON body with 413', async () => {
    s = await startTestService({ jsonBodyLimitBytes: 1024 });
    const r = await call(s, 'POST', '/organisations', {
      token: s.adminToken,
      json: { name: 'x'.repeat(5000) },
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('CL_PAYLOAD_TOO_LARGE');
  });
});

describe('rate limit', () => {
  it('limits each token separately with 429 CL_RATE_LIMITED', async () => {
    s = await startTestService({ rateLimitMax: 3 });
    const other = createToken(s.db, {
      organisationId: createOrganisation(s.db, 'B').id,
      role: 'admin',
    }).token;
    for (let i = 0; i < 3; i++)
      expect((await call(s, 'GET', '/projects', { token: s.adminToken })).status).toBe(200);
    const limited = await call(s, 'GET', '/projects', { token: s.adminToken });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('CL_RATE_LIMITED');
    expect((await call(s, 'GET', '/projects', { token: other })).status).toBe(200);
  });

  it('cannot be evicted or dodged with garbage Authorization headers', async () => {
    s = await startTestService({ rateLimitMax: 3 });
    const real = createToken(s.db, { organisationId: createOrganisation(s.db, 'C').id, role: 'admin' }).token;
    for (let i = 0; i < 3; i++) expect((await call(s, 'GET', '/projects', { token: real })).status).toBe(200);
    // Noise with a fresh made-up token every time shares its address's one bucket: limited at
    // once, and it creates no bucket that could push the real token's out.
    const noise = [];
    for (let i = 0; i < 40; i++)
      noise.push((await call(s, 'GET', '/projects', { token: `clt_garbage${i}xxxxxxxxxxxxxxxxxx` })).status);
    expect(noise.slice(0, 5), JSON.stringify(noise)).toEqual([401, 401, 401, 429, 429]);
    expect(noise.slice(3).every((x) => x === 429)).toBe(true);
    // The real token's bucket is still there, and still spent.
    expect((await call(s, 'GET', '/projects', { token: real })).status).toBe(429);
  });
});

describe('serve rate limit setting', () => {
  it('takes the limit from --rate-limit, or from COHORTLINK_RATE_LIMIT where 0 turns it off', async () => {
    const limited = await startServe(join(tempDir(), 'a.db'), { args: ['--rate-limit', '2'] });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(limited, 'GET', '/healthz')).status);
    expect(statuses).toEqual([200, 200, 429]);
    await limited.stop();

    const open = await startServe(join(tempDir(), 'b.db'), { env: { COHORTLINK_RATE_LIMIT: '0' } });
    for (let i = 0; i < 700; i++) expect((await call(open, 'GET', '/healthz')).status).toBe(200);
    await open.stop();
  });
});
