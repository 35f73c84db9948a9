import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunManager } from '../../../src/server/runs/runManager.js';
import { createToken, type Role } from '../../../src/store/tokens.js';
import { encodeWorld, makeWorld, type World } from './fixture.js';
import { runsApp } from './harness.js';

let w: World;
let runs: RunManager;
let app: FastifyInstance;
const token: Record<string, string> = {};

beforeAll(async () => {
  w = makeWorld(encodeWorld());
  const at = new Date().toISOString();
  // The spine belongs to a second provider; a researcher and a reviewer are members; an
  // outsider organisation is not.
  for (const org of ['org-spine', 'org-research', 'org-review', 'org-outsider'])
    w.db.prepare('INSERT INTO organisation (id, name, created_at) VALUES (?, ?, ?)').run(org, org, at);
  for (const org of ['org-spine', 'org-research', 'org-review'])
    w.db
      .prepare('INSERT INTO project_member (project_id, organisation_id) VALUES (?, ?)')
      .run(w.projectId, org);
  w.db.prepare('UPDATE dataset SET organisation_id = ? WHERE id = ?').run('org-spine', w.datasets.spine);
  const tokens: [string, string, Role][] = [
    ['hospital', w.orgId, 'provider'],
    ['spine', 'org-spine', 'provider'],
    ['researcher', 'org-research', 'researcher'],
    ['reviewer', 'org-review', 'reviewer'],
    ['outsider', 'org-outsider', 'provider'],
  ];
  for (const [name, org, role] of tokens)
    token[name] = createToken(w.db, { organisationId: org, role }).token;
  runs = new RunManager({ db: w.db, layout: w.layout, workers: 1 });
  app = await runsApp(w, runs);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await runs?.close();
});

function call(who: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token[who]}` },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

async function succeededRun(): Promise<string> {
  const r = await call('researcher', 'POST', `/projects/${w.projectId}/runs`, {
    datasets: [w.datasets.hospital, w.datasets.spine],
    mode: 'many-to-one',
  });
  expect(r.statusCode, r.body).toBe(202);
  const id = r.json().id as string;
  expect((await runs.settled(id)).state).toBe('succeeded');
  return id;
}

const auditCount = (action: string, target: string): number =>
  (
    w.db.prepare('SELECT COUNT(*) AS n FROM audit WHERE action = ? AND target = ?').get(action, target) as {
      n: number;
    }
  ).n;

describe('runs routes', () => {
  it('starts a run for a member provider or researcher and shows its status to members only', async () => {
    const id = await succeededRun();
    const status = await call('reviewer', 'GET', `/runs/${id}`);
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({ id, state: 'succeeded', error: null, projectId: w.projectId });
    expect(status.json().seconds).toBeGreaterThanOrEqual(0);
    expect((await call('outsider', 'GET', `/runs/${id}`)).statusCode).toBe(404);
    expect((await call('outsider', 'GET', '/runs/no-such-run')).statusCode).toBe(404);
    expect(
      (
        await call('reviewer', 'POST', `/projects/${w.projectId}/runs`, {
          datasets: [w.datasets.spine],
          mode: 'dedup',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call('outsider', 'POST', `/projects/${w.projectId}/runs`, {
          datasets: [w.datasets.spine],
          mode: 'dedup',
        })
      ).statusCode,
    ).toBe(404);
  });

  it('rejects a malformed request with JSON paths', async () => {
    const r = await call('researcher', 'POST', `/projects/${w.projectId}/runs`, {
      datasets: [w.datasets.hospital, w.datasets.spine],
      mode: 'dedup',
      threshold: 2,
      surprise: true,
    });
    expect(r.statusCode).toBe(400);
    const paths = (r.json().error.issues as { path: string }[]).map((i) => i.path);
    expect(r.json().error.code).toBe('CL_USAGE');
    expect(paths).toEqual(expect.arrayContaining(['$.body.threshold', '$.body']));
  });

  it('gives reviewers and researchers the summary without refs or keys, and audits each read', async () => {
    const id = await succeededRun();
    const r = await call('reviewer', 'GET', `/runs/${id}/summary`);
    expect(r.statusCode).toBe(200);
    expect(r.json().summary.people).toBeGreaterThan(0);
    expect(r.body).not.toMatch(/lk_[0-9a-z]{26}/);
    expect((await call('hospital', 'GET', `/runs/${id}/summary`)).statusCode).toBe(403);
    expect(auditCount('run.summary.read', id)).toBe(1);
  });

  it('streams keys only to the organisation that uploaded the dataset, whole or by page, audited', async () => {
    const id = await succeededRun();
    const url = (d: string) => `/runs/${id}/datasets/${d}/keys`;
    const whole = await call('hospital', 'GET', url(w.datasets.hospital!));
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toMatch(/^text\/csv/);
    const lines = whole.body.trim().split('\n');
    expect(lines[0]).toBe('ref,linkage_key');
    expect(lines.length - 1).toBe(Number(whole.headers['x-total-records']));

    const page = await call('hospital', 'GET', `${url(w.datasets.hospital!)}?offset=10&limit=5`);
    expect(page.statusCode).toBe(200);
    expect(page.body.trim().split('\n')).toEqual([lines[0], ...lines.slice(11, 16)]);

    expect((await call('hospital', 'GET', url(w.datasets.spine!))).statusCode).toBe(404);
    expect((await call('spine', 'GET', url(w.datasets.spine!))).statusCode).toBe(200);
    expect((await call('researcher', 'GET', url(w.datasets.hospital!))).statusCode).toBe(403);
    expect((await call('outsider', 'GET', url(w.datasets.hospital!))).statusCode).toBe(404);
    expect((await call('hospital', 'GET', `${url(w.datasets.hospital!)}?limit=0`)).statusCode).toBe(400);
    expect(auditCount('run.keys.read', id)).toBe(3);
  });

  it('cancels and refuses to retry what is not retryable', async () => {
    const id = await succeededRun();
    expect((await call('researcher', 'POST', `/runs/${id}/retry`)).statusCode).toBe(409);
    expect((await call('researcher', 'POST', `/runs/${id}/cancel`)).statusCode).toBe(409);
    // The spine is another organisation's: only a researcher (or admin) may run the two together.
    const r = await call('researcher', 'POST', `/projects/${w.projectId}/runs`, {
      datasets: [w.datasets.hospital, w.datasets.spine],
      mode: 'many-to-one',
    });
    expect(r.statusCode, r.body).toBe(202);
    // Only the requesting organisation (or an admin) may cancel it.
    expect((await call('hospital', 'POST', `/runs/${r.json().id}/cancel`)).statusCode).toBe(403);
    const cancel = await call('researcher', 'POST', `/runs/${r.json().id}/cancel`);
    expect(cancel.statusCode).toBe(202);
    expect((await runs.settled(r.json().id)).state).toBe('cancelled');
    expect((await call('reviewer', 'POST', `/runs/${r.json().id}/retry`)).statusCode).toBe(403);
  });
});
