/**
 * The governance rules around cohort outputs, over real HTTP (issue 11): no cohort output from
 * a project without an opt-out register unless an admin attested, audited, that opt-outs are
 * applied upstream; a register uploaded after a run still applies to it; roles are fixed once a
 * dataset was linked (admins excepted); contact priority and roles are the run's snapshot;
 * providers find their pending lists; exact list sizes stay out of the audit trail.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { encodeUk } from '../helpers/cli.js';
import { call, startTestService, type TestService, uploadId } from './helpers.js';
import { type Encoded, encodeWorld, runsLayout } from './runs/fixture.js';

let encoded: Encoded;
let s: TestService;
let runs: RunManager;
const tokens: Record<string, string> = {};
const ds: Record<string, string> = {};
let project: string;
let runId: string;
const EVERYONE = { format: 'cohortlink-criteria/1', where: { age: { min: 0, at: '2025-01-01' } } };

beforeAll(async () => {
  encoded = encodeWorld(800, false);
  encodeUk(
    join(encoded.dir, 'optout.csv'),
    join(encoded.dir, 'optout.ndjson'),
    join(encoded.dir, 'secret.txt'),
  );
  let made: RunManager | undefined;
  s = await startTestService({ rateLimitMax: 0, minRunRecords: 20 }, [
    async (app, ctx) => {
      made = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
      await runRoutePlugin({ runs: made })(app, ctx);
    },
    cohortRoutePlugin({ key: createDisclosureKey('governance test disclosure secret') }),
  ]);
  runs = made!;
  const orgs: string[] = [];
  for (const [name, role] of [
    ['GP', 'provider'],
    ['Hospital', 'provider'],
    ['NDOP', 'provider'],
    ['University', 'researcher'],
  ] as const) {
    const org = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name } });
    orgs.push(org.body.id);
    tokens[name] = (
      await call(s, 'POST', `/organisations/${org.body.id}/tokens`, { token: s.adminToken, json: { role } })
    ).body.token;
  }
  project = (await call(s, 'POST', '/projects', { token: s.adminToken, json: { name: 'P', members: orgs } }))
    .body.id;
  const up = async (org: string, name: string, file: string) => {
    const r = await call(s, 'POST', `/projects/${project}/datasets?name=${name}&uploadId=${uploadId()}`, {
      token: tokens[org],
      body: readFileSync(file),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status, r.text).toBeLessThan(300);
    ds[name] = r.body.id;
  };
  await up('GP', 'spine', encoded.files.spine);
  await up('Hospital', 'hospital', encoded.files.hospital);
  for (const name of ['spine', 'hospital'] as const) {
    const r = await call(s, 'POST', `/projects/${project}/datasets/${ds[name]}/attributes`, {
      token: tokens[name === 'spine' ? 'GP' : 'Hospital'],
      body: readFileSync(join(encoded.dir, `${name}.attributes.ndjson`)),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status, r.text).toBe(201);
  }
  await call(s, 'PUT', `/projects/${project}/datasets/${ds.spine}/role`, {
    token: tokens.GP,
    json: { role: 'spine', contactable: true },
  });
}, 180_000);

afterAll(async () => {
  await s?.close();
  await runs?.close();
});

const feasibility = () =>
  call(s, 'POST', `/runs/${runId}/feasibility`, { token: tokens.University, json: { criteria: EVERYONE } });

describe('cohort governance', () => {
  it('refuses cohort output from a project without an opt-out register', async () => {
    const r = await call(s, 'POST', `/projects/${project}/runs`, {
      token: tokens.University,
      json: { datasets: [ds.hospital, ds.spine], mode: 'many-to-one' },
    });
    expect(r.status, r.text).toBe(202);
    runId = r.body.id;
    expect((await runs.settled(runId)).state).toBe('succeeded');
    const f = await feasibility();
    expect(f.status).toBe(409);
    expect(f.body.error.message).toMatch(/no opt-out register/);
    const inv = await call(s, 'POST', `/runs/${runId}/invitations`, {
      token: tokens.University,
      json: { criteria: EVERYONE, cap: 10 },
    });
    expect(inv.status).toBe(409);
  });

  it('lets only an admin attest that opt-outs are applied upstream, and audits it', async () => {
    const denied = await call(s, 'PUT', `/projects/${project}/cohort-settings`, {
      token: tokens.GP,
      json: { optOutsAppliedUpstream: true },
    });
    expect(denied.status).toBe(403);
    const bad = await call(s, 'PUT', `/projects/${project}/cohort-settings`, {
      token: s.adminToken,
      json: { contactPriority: [randomUUID()] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('$.contactPriority[0]');
    const ok = await call(s, 'PUT', `/projects/${project}/cohort-settings`, {
      token: s.adminToken,
      json: { optOutsAppliedUpstream: true, contactPriority: [ds.hospital, ds.spine] },
    });
    expect(ok.status, ok.text).toBe(200);
    const audit = s.db
      .prepare("SELECT detail_json FROM audit WHERE action = 'project.cohort_settings.set'")
      .pluck()
      .all() as string[];
    expect(audit.length).toBe(1);
    expect(JSON.parse(audit[0]!)).toMatchObject({ optOutsAppliedUpstream: true });
    // The run was submitted before the attestation; the project's attestation now covers it.
    const f = await feasibility();
    expect(f.status, f.text).toBe(200);
    expect(f.body.excluded.optOutRegisters).toBe(0);
  });

  it('applies a register uploaded after the run, and excludes more people', async () => {
    const before = (await feasibility()).body;
    const r = await call(s, 'POST', `/projects/${project}/datasets?name=optout&uploadId=${uploadId()}`, {
      token: tokens.NDOP,
      body: readFileSync(join(encoded.dir, 'optout.ndjson')),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    ds.optout = r.body.id;
    const role = await call(s, 'PUT', `/projects/${project}/datasets/${ds.optout}/role`, {
      token: tokens.NDOP,
      json: { role: 'optout' },
    });
    expect(role.status).toBe(200);
    const answer = await feasibility();
    expect(answer.status, answer.text).toBe(200);
    const after = answer.body;
    expect(after.excluded.optOutRegisters).toBe(1);
    expect(after.excluded.optedOut.value).toBeGreaterThan(0);
    expect(after.total.value).toBeLessThan(before.total.value);
  });

  it('fixes a linked dataset’s role for providers; admins may still change it, audited', async () => {
    const p = await call(s, 'PUT', `/projects/${project}/datasets/${ds.hospital}/role`, {
      token: tokens.Hospital,
      json: { role: 'optout' },
    });
    expect(p.status).toBe(403);
    expect(p.body.error.message).toMatch(/only an admin/);
  });

  it('keeps the run’s contact priority: one list per contactable dataset, hospital first', async () => {
    // A later change of priority does not reach this run (its snapshot had none: run order).
    await call(s, 'PUT', `/projects/${project}/cohort-settings`, {
      token: s.adminToken,
      json: { contactPriority: [ds.spine, ds.hospital] },
    });
    const inv = await call(s, 'POST', `/runs/${runId}/invitations`, {
      token: tokens.University,
      json: { criteria: EVERYONE, cap: 1_000_000 },
    });
    expect(inv.status, inv.text).toBe(201);
    expect(inv.body.lists.sort()).toEqual([ds.hospital, ds.spine].sort());
    const get = async (org: string, d: string) =>
      (await call(s, 'GET', `/invitations/${inv.body.id}/datasets/${d}`, { token: tokens[org] })).text
        .trim()
        .split('\n')
        .slice(1);
    const hospital = await get('Hospital', ds.hospital!);
    const spine = await get('GP', ds.spine!);
    // The run's snapshot had no priority: datasets in run order, so the hospital (first in the
    // run) invites everyone it holds, and the GP only people the hospital does not hold.
    const hospitalRecords =
      readFileSync(join(encoded.dir, 'hospital.csv'), 'utf8').trim().split('\n').length - 1;
    expect(hospital.length).toBeGreaterThan(hospitalRecords * 0.5);
    expect(spine.length).toBeGreaterThan(0);
    // Exact list sizes never reach the audit trail that reviewers read.
    const details = s.db
      .prepare("SELECT detail_json FROM audit WHERE action LIKE 'invitations.%'")
      .pluck()
      .all() as string[];
    for (const d of details) expect(d).not.toMatch(/"records"|"people"|"invited"/);
  });

  it('lists a provider’s pending invitation lists, and marks them read once fetched', async () => {
    const inv = await call(s, 'POST', `/runs/${runId}/invitations`, {
      token: tokens.University,
      json: { criteria: EVERYONE, cap: 5 },
    });
    expect(inv.status).toBe(201);
    const pending = await call(s, 'GET', `/projects/${project}/invitations?pending=true`, {
      token: tokens.GP,
    });
    expect(pending.status, pending.text).toBe(200);
    expect(pending.body.lists.length).toBe(1);
    expect(pending.body.lists[0]).toMatchObject({ datasetId: ds.spine, invitationId: inv.body.id });
    const audits = () =>
      s.db
        .prepare("SELECT COUNT(*) FROM audit WHERE action = 'invitations.list.read'")
        .pluck()
        .get() as number;
    const before = audits();
    // HEAD sends nothing: not marked read, not audited.
    const head = await call(s, 'HEAD', pending.body.lists[0].href, { token: tokens.GP });
    expect(head.status).toBe(200);
    expect(audits()).toBe(before);
    const still = await call(s, 'GET', `/projects/${project}/invitations?pending=true`, { token: tokens.GP });
    expect(still.body.lists.length).toBe(1);
    const got = await call(s, 'GET', pending.body.lists[0].href, { token: tokens.GP });
    expect(got.status).toBe(200);
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect(audits()).toBe(before + 1);
    const after = await call(s, 'GET', `/projects/${project}/invitations?pending=true`, { token: tokens.GP });
    expect(after.body.lists).toEqual([]);
    const all = await call(s, 'GET', `/projects/${project}/invitations`, { token: tokens.GP });
    expect(all.body.lists[0].firstReadAt).not.toBeNull();
    // Keys likewise: HEAD is not a read; a read is audited and never cached.
    const keysAudits = () =>
      s.db.prepare("SELECT COUNT(*) FROM audit WHERE action = 'run.keys.read'").pluck().get() as number;
    const k0 = keysAudits();
    const keysPath = `/runs/${runId}/datasets/${ds.spine}/keys`;
    expect((await call(s, 'HEAD', keysPath, { token: tokens.GP })).status).toBe(200);
    expect(keysAudits()).toBe(k0);
    const keys = await call(s, 'GET', keysPath, { token: tokens.GP });
    expect(keys.status).toBe(200);
    expect(keys.headers.get('cache-control')).toBe('no-store');
    expect(keysAudits()).toBe(k0 + 1);
    // A researcher has no lists to see.
    expect(
      (await call(s, 'GET', `/projects/${project}/invitations`, { token: tokens.University })).status,
    ).toBe(403);
  });
});
