/**
 * Membership probing over real HTTP (docs/service-design.md, "Membership probing"). Every data
 * holder has the encoding secret, so a provider can encode one identity, upload it and run it
 * against another organisation's register: the run's link count says whether that person is in
 * it. The service refuses the pieces of that attack: datasets below `minRunRecords`, providers
 * running other organisations' data, exact counts for anyone who did not supply all of a run's
 * data (or review it), and cancelling or retrying another organisation's run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRunRoutes, publishRunCount } from '../../src/server/routes/projectRuns.js';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { encodeUk } from '../helpers/cli.js';
import {
  type Answer,
  call,
  createOrganisations,
  startTestService,
  type TestService,
  uploadId,
} from './helpers.js';
import { type Encoded, encodeWorld, runsLayout } from './runs/fixture.js';

let encoded: Encoded;
let s: TestService;
let runs: RunManager;
let tokens: Record<string, string>;
let projectId: string;
/** Dataset ids by name: register (Register's), hospital, probe1, probe120 (all Prober's). */
const datasets: Record<string, string> = {};
/** Runs by name, set as the tests go. */
const runIds: Record<string, string> = {};

/** The first `n` people of a generated CSV, encoded by the prober with the shared secret. */
function probeFile(csv: string, n: number, name: string): string {
  const lines = readFileSync(join(encoded.dir, csv), 'utf8').trimEnd().split('\n');
  const input = join(encoded.dir, `${name}.csv`);
  writeFileSync(input, `${lines.slice(0, n + 1).join('\n')}\n`);
  const output = join(encoded.dir, `${name}.ndjson`);
  encodeUk(input, output, join(encoded.dir, 'secret.txt'));
  return output;
}

const upload = async (org: string, name: string, file: string): Promise<string> => {
  const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`, {
    token: tokens[org],
    body: readFileSync(file),
    headers: { 'content-type': 'application/x-ndjson' },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
};

const startRun = (who: string, ids: string[], mode: string): Promise<Answer> =>
  call(s, 'POST', `/projects/${projectId}/runs`, { token: tokens[who], json: { datasets: ids, mode } });

const listed = async (who: string, runId: string) => {
  const r = await call(s, 'GET', `/projects/${projectId}/runs`, { token: tokens[who] });
  expect(r.status, r.text).toBe(200);
  return r.body.runs.find((x: { id: string }) => x.id === runId);
};

/** Links and people of a run, as stored (what reviewers see). */
function exactCounts(runId: string): { links: number; people: number } {
  const summary = runs.summary(runId) as { people: number; pairs: { links: number }[] };
  return { links: summary.pairs.reduce((a, p) => a + p.links, 0), people: summary.people };
}

const runRows = (): number => (s.db.prepare('SELECT COUNT(*) AS n FROM run').get() as { n: number }).n;

beforeAll(async () => {
  encoded = encodeWorld(600, false);
  const probe1 = probeFile('spine.csv', 1, 'probe1');
  const probe120 = probeFile('spine.csv', 120, 'probe120');
  let made: RunManager | undefined;
  s = await startTestService({ rateLimitMax: 0 }, [
    async (app, ctx) => {
      made = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
      await runRoutePlugin({ runs: made })(app, ctx);
    },
    projectRunRoutes,
  ]);
  runs = made!;
  const orgs = await createOrganisations(s, s.adminToken, [
    ['Register', 'provider'],
    ['Prober', 'provider'],
    ['University', 'researcher'],
    ['Regulator', 'reviewer'],
    ['Outsider', 'provider'],
  ]);
  tokens = { ...orgs.tokens, Admin: s.adminToken };
  const members = ['Register', 'Prober', 'University', 'Regulator'].map((o) => orgs.ids[o]);
  const p = await call(s, 'POST', '/projects', { token: s.adminToken, json: { name: 'Trial', members } });
  expect(p.status, p.text).toBe(201);
  projectId = p.body.id;
  datasets.register = await upload('Register', 'register', encoded.files.spine);
  datasets.hospital = await upload('Prober', 'hospital', encoded.files.hospital);
  datasets.probe1 = await upload('Prober', 'probe1', probe1);
  datasets.probe120 = await upload('Prober', 'probe120', probe120);
}, 180_000);

afterAll(async () => {
  await s?.close();
  await runs?.close();
});

describe('membership probing', () => {
  it('refuses the one-record probe, whoever starts it', async () => {
    // The attack as found: the prober's one identity against the other organisation's register.
    const attack = await startRun('Prober', [datasets.probe1!, datasets.register!], 'many-to-one');
    expect(attack.status, attack.text).toBe(403);
    expect(attack.body.error.code).toBe('CL_FORBIDDEN');
    expect(attack.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['$.datasets[1]']);
    // Too small even over the prober's own data, and for a researcher who might run it for them.
    for (const [who, ids, mode, path] of [
      ['Prober', [datasets.probe1!], 'dedup', '$.datasets[0]'],
      ['University', [datasets.probe1!, datasets.register!], 'many-to-one', '$.datasets[0]'],
      ['University', [datasets.register!, datasets.probe1!], 'many-to-one', '$.datasets[1]'],
      ['Admin', [datasets.probe1!, datasets.register!], 'many-to-one', '$.datasets[0]'],
    ] as const) {
      const r = await startRun(who, [...ids], mode);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.code).toBe('CL_USAGE');
      expect(r.body.error.message).toContain(datasets.probe1);
      expect(r.body.error.message).toContain('100');
      expect(r.body.error.issues).toEqual([{ path, message: expect.stringContaining(datasets.probe1!) }]);
    }
    expect(runRows()).toBe(0);
  });

  it("refuses a 100+-record probe run by a provider against another organisation's dataset", async () => {
    const probe = await startRun('Prober', [datasets.probe120!, datasets.register!], 'many-to-one');
    expect(probe.status, probe.text).toBe(403);
    expect(probe.body.error.code).toBe('CL_FORBIDDEN');
    expect(probe.body.error.message).toContain('$.datasets[1]');
    // Another organisation's dataset and one that does not exist get the same answer, so the
    // refusal tells the provider nothing its own dataset listing does not.
    const missing = '00000000-0000-4000-8000-000000000000';
    const none = await startRun('Prober', [datasets.probe120!, missing], 'many-to-one');
    expect(none.status).toBe(403);
    expect(none.body.error.message).toBe(probe.body.error.message);
    expect(none.body.error.issues[0].message).toBe(
      probe.body.error.issues[0].message.replace(datasets.register, missing),
    );
    // Nor in the other order, nor as a multi-party run.
    expect((await startRun('Prober', [datasets.register!, datasets.probe120!], 'one-to-one')).status).toBe(
      403,
    );
    expect(
      (await startRun('Prober', [datasets.probe120!, datasets.hospital!, datasets.register!], 'multi'))
        .status,
    ).toBe(403);
    expect(runRows()).toBe(0);
  });

  it('shows exact counts to reviewers and sole suppliers, rounded or suppressed counts to everyone else', async () => {
    const joint = await startRun('University', [datasets.hospital!, datasets.register!], 'many-to-one');
    expect(joint.status, joint.text).toBe(202);
    runIds.joint = joint.body.id;
    const own = await startRun('Prober', [datasets.hospital!], 'dedup');
    expect(own.status, own.text).toBe(202);
    runIds.own = own.body.id;
    expect((await runs.settled(runIds.joint!)).state).toBe('succeeded');
    expect((await runs.settled(runIds.own!)).state).toBe('succeeded');

    const exact = exactCounts(runIds.joint!);
    expect(exact.links).toBeGreaterThan(0);
    const controlled = {
      links: publishRunCount(exact.links),
      people: publishRunCount(exact.people),
      disclosure: 'controlled',
    };
    for (const n of [controlled.links, controlled.people]) {
      expect(n === null || (n % 10 === 0 && n >= 10)).toBe(true);
    }
    for (const who of ['Regulator', 'Admin'])
      expect((await listed(who, runIds.joint!)).counts).toEqual({ ...exact, disclosure: 'exact' });
    // The prober supplied half of the run, the register the other half, the researcher none.
    for (const who of ['Prober', 'Register', 'University'])
      expect((await listed(who, runIds.joint!)).counts).toEqual(controlled);

    // A provider's run over its own data only: exact for it, controlled for the other provider.
    const ownExact = exactCounts(runIds.own!);
    expect((await listed('Prober', runIds.own!)).counts).toEqual({ ...ownExact, disclosure: 'exact' });
    expect((await listed('Register', runIds.own!)).counts).toEqual({
      links: publishRunCount(ownExact.links),
      people: publishRunCount(ownExact.people),
      disclosure: 'controlled',
    });

    // The summary: exact for the reviewer, under the same rule for the researcher.
    const reviewed = await call(s, 'GET', `/runs/${runIds.joint}/summary`, { token: tokens.Regulator });
    expect(reviewed.status, reviewed.text).toBe(200);
    expect(reviewed.body.disclosure).toBe('exact');
    expect(reviewed.body.summary.people).toBe(exact.people);
    const researched = await call(s, 'GET', `/runs/${runIds.joint}/summary`, { token: tokens.University });
    expect(researched.status, researched.text).toBe(200);
    expect(researched.body.disclosure).toBe('controlled');
    const summary = researched.body.summary;
    expect(summary.people).toBe(controlled.people);
    expect(summary.pairs[0].links).toBe(controlled.links);
    for (const [k, input] of (
      reviewed.body.summary.inputs as { records: number; unlinked: number }[]
    ).entries()) {
      // Record counts are in the dataset listing anyway; what linked is not.
      expect(summary.inputs[k].records).toBe(input.records);
      expect(summary.inputs[k].unlinked).toBe(publishRunCount(input.unlinked));
    }
    for (const v of Object.values(summary.keys as Record<string, number | null>))
      expect(v === null || v % 10 === 0).toBe(true);
  }, 120_000);

  it('lets only the requesting organisation or an admin cancel or retry a run', async () => {
    // A researcher's run first, so the provider's run waits in the queue behind it.
    const ahead = await startRun('University', [datasets.hospital!, datasets.register!], 'many-to-one');
    expect(ahead.status, ahead.text).toBe(202);
    const mine = await startRun('Prober', [datasets.hospital!], 'dedup');
    expect(mine.status, mine.text).toBe(202);
    const id = mine.body.id as string;
    const act = (who: string, what: 'cancel' | 'retry', run = id) =>
      call(s, 'POST', `/runs/${run}/${what}`, { token: tokens[who] });

    const other = await act('Register', 'cancel');
    expect(other.status, other.text).toBe(403);
    expect(other.body.error.code).toBe('CL_FORBIDDEN');
    expect((await act('University', 'cancel')).status).toBe(403);
    expect((await act('Regulator', 'cancel')).status).toBe(403);
    expect((await act('Outsider', 'cancel')).status).toBe(404);
    const cancelled = await act('Prober', 'cancel');
    expect(cancelled.status, cancelled.text).toBe(202);
    expect((await runs.settled(id)).state).toBe('cancelled');

    // Retry: the same rule (the run is not retryable, so the owner and an admin reach the 409).
    expect((await act('Register', 'retry')).status).toBe(403);
    expect((await act('Outsider', 'retry')).status).toBe(404);
    expect((await act('Prober', 'retry')).status).toBe(409);
    expect((await act('Admin', 'retry')).status).toBe(409);

    // An admin may cancel anyone's run; the provider whose data it reads may not.
    expect((await act('Prober', 'cancel', ahead.body.id)).status).toBe(403);
    expect([202, 409]).toContain((await act('Admin', 'cancel', ahead.body.id)).status);
    await runs.settled(ahead.body.id);
  }, 120_000);
});
