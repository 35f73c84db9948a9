/**
 * Cohort selection end to end over HTTP (issue 5): three providers upload encodings (spine,
 * hospital, the opt-out register), attributes and events; a multi-party run links them; a
 * researcher asks feasibility questions whose true answers this test computes from the
 * generator's truth files, and requests invitations, whose lists go only to each provider.
 */
import { existsSync, readFileSync } from 'node:fs';
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
let optoutNdjson: string;
let s: TestService;
let runs: RunManager;
const tokens: Record<string, string> = {};
const orgs: Record<string, string> = {};
const datasets: Record<string, string> = {};
let projectId: string;
let runId: string;
const INDEX = '2025-01-01';

/** The generator's truth, read independently of the service. */
interface Person {
  birthYear: number;
  birthMonth: number;
  sex: string;
  region: string;
  deceased: boolean;
  optedOut: boolean;
}
let people: Map<string, Person>;
/** dataset name → ref → person id (truth.csv + truth.optout.csv). */
const personOf = new Map<string, Map<string, string>>();

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

function loadTruth(dir: string): void {
  people = new Map();
  for (const [id, , by, bm, sex, region, deceased, , optedOut] of csvRows(join(dir, 'truth.people.csv')))
    people.set(id!, {
      birthYear: Number(by),
      birthMonth: Number(bm),
      sex: sex!,
      region: region!,
      deceased: deceased === '1',
      optedOut: optedOut === '1',
    });
  for (const file of ['truth.csv', 'truth.optout.csv'])
    for (const [person, ds, ref] of csvRows(join(dir, file))) {
      if (!personOf.has(ds!)) personOf.set(ds!, new Map());
      personOf.get(ds!)!.set(ref!, person!);
    }
}

/** Completed years at the index date, birthdays on the 1st of the birth month (the service's rule). */
const ageAt = (p: Person): number => 2025 - p.birthYear - (1 < (p.birthMonth || 7) ? 1 : 0);

/** True eligible count over the people the run can see (a record in spine or hospital). */
function trueCount(pred: (p: Person) => boolean): number {
  const present = new Set([...personOf.get('spine')!.values(), ...personOf.get('hospital')!.values()]);
  let n = 0;
  for (const id of present) {
    const p = people.get(id)!;
    if (!p.deceased && !p.optedOut && pred(p)) n++;
  }
  return n;
}

const criteria = (where: unknown) => ({ format: 'cohortlink-criteria/1', where });
const FEMALE_40_64 = criteria({
  all: [{ sex: ['female'] }, { age: { min: 40, max: 64, at: INDEX } }],
});
const OLD_IN_Y63 = criteria({ all: [{ age: { min: 85, at: INDEX } }, { region: ['Y63'] }] });

async function upload(org: string, name: string, path: string, type: string, url: string) {
  const r = await call(s, 'POST', url, {
    token: tokens[org],
    body: readFileSync(path),
    headers: { 'content-type': type },
  });
  expect(r.status, `${name}: ${r.text}`).toBeLessThan(300);
  return r;
}

beforeAll(async () => {
  encoded = encodeWorld(2000, false);
  loadTruth(encoded.dir);
  optoutNdjson = join(encoded.dir, 'optout.ndjson');
  encodeUk(join(encoded.dir, 'optout.csv'), optoutNdjson, join(encoded.dir, 'secret.txt'));
  const key = createDisclosureKey('cohort test disclosure secret');
  // The run manager is made here so the test can await a run's end instead of polling.
  let made: RunManager | undefined;
  // The generated opt-out register holds about 5% of the people (~100 of 2000): below the
  // service's default minimum for a run, so this test lowers it.
  // One run's people in memory at a time: the test's later questions on the first run rebuild it.
  s = await startTestService({ rateLimitMax: 0, minRunRecords: 20, cohortCacheRuns: 1 }, [
    async (app, ctx) => {
      made = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
      await runRoutePlugin({ runs: made })(app, ctx);
    },
    cohortRoutePlugin({ key }),
  ]);
  runs = made!;
}, 180_000);

afterAll(async () => {
  await s?.close();
  await runs?.close();
});

describe('cohort selection over HTTP', () => {
  it('sets up providers, a researcher and a project', async () => {
    for (const [name, role] of [
      ['Spine', 'provider'],
      ['Hospital', 'provider'],
      ['OptOut', 'provider'],
      ['University', 'researcher'],
    ] as const) {
      const org = await call(s, 'POST', '/organisations', { token: s.adminToken, json: { name } });
      expect(org.status, org.text).toBe(201);
      orgs[name] = org.body.id;
      const t = await call(s, 'POST', `/organisations/${org.body.id}/tokens`, {
        token: s.adminToken,
        json: { role },
      });
      tokens[name] = t.body.token;
    }
    const p = await call(s, 'POST', '/projects', {
      token: s.adminToken,
      json: { name: 'Trial', members: Object.values(orgs) },
    });
    expect(p.status, p.text).toBe(201);
    projectId = p.body.id;
  });

  it('uploads encodings, attributes and events, refusing a bad line with nothing stored', async () => {
    const files = { spine: encoded.files.spine, hospital: encoded.files.hospital, optout: optoutNdjson };
    const owner = { spine: 'Spine', hospital: 'Hospital', optout: 'OptOut' } as const;
    for (const name of ['spine', 'hospital', 'optout'] as const) {
      const r = await upload(
        owner[name],
        name,
        files[name],
        'application/x-ndjson',
        `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`,
      );
      datasets[name] = r.body.id;
    }
    const base = (name: string) => `/projects/${projectId}/datasets/${datasets[name]}`;
    // An unknown ref is an error naming the line; the researcher may not upload at all.
    const bad = await call(s, 'POST', `${base('hospital')}/events`, {
      token: tokens.Hospital,
      body: 'ref,system,code,date\nNOPE,ICD-10,E119,2020-01-01\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('line 2, column ref');
    expect(s.files.temps()).toEqual([]);
    const other = await call(s, 'POST', `${base('hospital')}/events`, {
      token: tokens.Spine,
      body: 'ref,system,code,date\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(other.status).toBe(404);

    for (const name of ['spine', 'hospital'] as const) {
      const a = await upload(
        owner[name],
        name,
        join(encoded.dir, `${name}.attributes.ndjson`),
        'application/x-ndjson',
        `${base(name)}/attributes`,
      );
      expect(a.body.records).toBe(personOf.get(name)!.size);
    }
    await upload(
      'Hospital',
      'events',
      join(encoded.dir, 'hospital.events.csv'),
      'text/csv',
      `${base('hospital')}/events`,
    );

    const spineRole = await call(s, 'PUT', `${base('spine')}/role`, {
      token: tokens.Spine,
      json: { role: 'spine' },
    });
    expect(spineRole.body).toMatchObject({ role: 'spine', contactable: false });
    const optRole = await call(s, 'PUT', `${base('optout')}/role`, {
      token: tokens.OptOut,
      json: { role: 'optout', contactable: true },
    });
    // The opt-out register can never be contactable, whatever is asked.
    expect(optRole.body).toMatchObject({ role: 'optout', contactable: false });
  });

  it('links the three datasets', async () => {
    const r = await call(s, 'POST', `/projects/${projectId}/runs`, {
      token: tokens.University,
      json: { datasets: [datasets.spine, datasets.hospital, datasets.optout], mode: 'multi' },
    });
    expect(r.status, r.text).toBe(202);
    runId = r.body.id;
    expect((await runs.settled(runId)).state).toBe('succeeded');
  });

  it('answers feasibility within the linkage range and the disclosure rule', async () => {
    const truth = trueCount((p) => p.sex === 'F' && ageAt(p) >= 40 && ageAt(p) <= 64);
    const r = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.University,
      json: { criteria: FEMALE_40_64, indexDate: INDEX },
    });
    expect(r.status, r.text).toBe(200);
    const { total, linkageRange, bySex, byAgeBand, excluded } = r.body;
    expect(total.suppressed).toBe(false);
    expect(total.value % 5).toBe(0);
    // Conservative exclusion matching may drop look-alikes of opted-out or dead people, and says
    // how many: the published total lies below the truth by at most that (plus rounding).
    const byMatch = excluded.byExclusionMatch.value ?? 7;
    expect(excluded.optOutRegisters).toBe(1);
    expect(total.value - truth).toBeLessThanOrEqual(10);
    expect(truth - total.value).toBeLessThanOrEqual(byMatch + 10);
    // Published range ends are rounded too: the truth lies within a rounding band of them.
    expect(truth).toBeGreaterThanOrEqual(linkageRange.low.value - 5);
    expect(truth).toBeLessThanOrEqual(linkageRange.high.value + byMatch + 9);
    // A multi-party run keeps no floor links: its range is the estimate, and says so.
    expect(linkageRange.method).toBe('estimated');
    // Every category is listed (a missing one would reveal a zero); only the asked-for ones hold people.
    expect(Object.keys(bySex).sort()).toEqual(['female', 'male', 'other', 'unknown']);
    expect(bySex.female.suppressed).toBe(false);
    for (const c of ['male', 'other', 'unknown']) expect(bySex[c].display).toBe('<8');
    expect(byAgeBand['40-64'].suppressed).toBe(false);
    for (const [band, cell] of Object.entries(byAgeBand) as [string, { display: string }][])
      if (band !== '40-64') expect(cell.display).toBe('<8');
    expect(r.body.queriesLeft).toBe(19);
    // Nothing identifying in the answer: no ref of any dataset appears in it.
    for (const ref of personOf.get('hospital')!.keys()) expect(r.text.includes(ref)).toBe(false);
    // The same question gives the same answer (no fresh noise to average away).
    const again = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.University,
      json: { criteria: FEMALE_40_64, indexDate: INDEX },
    });
    expect(again.body.total).toEqual(total);
  });

  it('counts the range of a many-to-one run by reclustering at threshold ± 0.02', async () => {
    const r = await call(s, 'POST', `/projects/${projectId}/runs`, {
      token: tokens.University,
      json: { datasets: [datasets.hospital, datasets.spine], mode: 'many-to-one' },
    });
    expect(r.status, r.text).toBe(202);
    const m2o = r.body.id as string;
    expect((await runs.settled(m2o)).state).toBe('succeeded');
    expect(existsSync(join(s.files.root, 'runs', m2o, 'links-floor.csv'))).toBe(true);
    // The project's opt-out register applies although this run left it out.
    const truth = trueCount((p) => p.sex === 'F' && ageAt(p) >= 40 && ageAt(p) <= 64);
    // The researcher's questions are bound to the first run it asked about (overlap control
    // compares answers within one run); only an admin can move them, audited.
    const ask = () =>
      call(s, 'POST', `/runs/${m2o}/feasibility`, {
        token: tokens.University,
        json: { criteria: FEMALE_40_64, indexDate: INDEX },
      });
    expect((await ask()).status).toBe(409);
    const move = await call(s, 'PUT', `/projects/${projectId}/organisations/${orgs.University}/feasibility`, {
      token: s.adminToken,
      json: { runId: m2o },
    });
    expect(move.status, move.text).toBe(200);
    expect(move.body.runId).toBe(m2o);
    const f = await ask();
    expect(f.status, f.text).toBe(200);
    const { total, linkageRange, excluded } = f.body;
    expect(excluded.optOutRegisters).toBe(1);
    expect(excluded.optedOut.value).toBeGreaterThan(0);
    expect(linkageRange.method).toBe('reclustered');
    expect(linkageRange.low.value).toBeLessThanOrEqual(total.value);
    expect(linkageRange.high.value).toBeGreaterThanOrEqual(total.value);
    // Published ends are rounded: the truth lies within a rounding band of them (and of what
    // conservative exclusion matching removed).
    const byMatch = excluded.byExclusionMatch.value ?? 7;
    expect(truth).toBeGreaterThanOrEqual(linkageRange.low.value - 5);
    expect(truth).toBeLessThanOrEqual(linkageRange.high.value + byMatch + 9);
    const back = await call(s, 'PUT', `/projects/${projectId}/organisations/${orgs.University}/feasibility`, {
      token: s.adminToken,
      json: { runId },
    });
    expect(back.status).toBe(200);
  });

  it('suppresses a tiny count and rejects bad criteria with JSON paths', async () => {
    const truth = trueCount((p) => ageAt(p) >= 85 && p.region === 'Y63');
    expect(truth).toBeGreaterThanOrEqual(1);
    expect(truth).toBeLessThanOrEqual(7);
    const r = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.University,
      json: { criteria: OLD_IN_Y63, indexDate: INDEX },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.body.total).toEqual({ value: null, suppressed: true, display: '<8' });
    expect(r.body.suppressedCells).toContain('total');

    const bad = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.University,
      json: { criteria: criteria({ age: { min: 50, max: 40, at: INDEX } }) },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].path).toBe('$.where.age.max');
    // A dataset the run does not hold is a mistake, not a question whose answer is 0.
    const unknown = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.University,
      json: {
        criteria: criteria({
          all: [{ sex: ['female'] }, { event: { system: 'ICD-10', codes: ['E11*'], dataset: 'nosuch' } }],
        }),
      },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.issues[0].path).toBe('$.where.all[1].event.dataset');
    const provider = await call(s, 'POST', `/runs/${runId}/feasibility`, {
      token: tokens.Hospital,
      json: { criteria: FEMALE_40_64 },
    });
    expect(provider.status).toBe(403);
  });

  it('does not let differencing over HTTP recover a small group, and shows zero as <8', async () => {
    const ask = async (where: unknown) => {
      const r = await call(s, 'POST', `/runs/${runId}/feasibility`, {
        token: tokens.University,
        json: { criteria: criteria(where), indexDate: INDEX },
      });
      expect(r.status, r.text).toBe(200);
      return r.body;
    };
    const X = FEMALE_40_64.where;
    const S = OLD_IN_Y63.where;
    const small = trueCount((p) => ageAt(p) >= 85 && p.region === 'Y63');
    expect(small).toBeGreaterThanOrEqual(1);
    // "X" and "X or S" differ by the small group; the second total is shown exactly as the first,
    // so the difference of the two published totals is 0 whatever the group's size.
    const base = await ask(X);
    const plus = await ask({ any: [X, S] });
    expect(plus.total).toEqual(base.total);
    expect(plus.note).toMatch(/shown exactly as that figure was/);
    // Zero is not a definite fact: nobody in a region that does not exist reads like 1–7.
    const none = await ask({ region: ['Y99'] });
    expect(none.total).toEqual({ value: null, suppressed: true, display: '<8' });
  });

  it('makes invitation lists: only eligible, living, not opted-out people, each to its own provider', async () => {
    const r = await call(s, 'POST', `/runs/${runId}/invitations`, {
      token: tokens.University,
      json: { criteria: FEMALE_40_64, cap: 100_000 },
    });
    expect(r.status, r.text).toBe(201);
    const id = r.body.id;
    // No count comes back: min(cap, N) would echo N finer than feasibility publishes it.
    expect(Object.keys(r.body).sort()).toEqual(['cap', 'id', 'lists', 'runId']);
    expect(r.text).not.toMatch(/ref/i);

    const listOf = async (org: string, ds: string) =>
      call(s, 'GET', `/invitations/${id}/datasets/${datasets[ds]}`, { token: tokens[org] });
    const hospital = await listOf('Hospital', 'hospital');
    expect(hospital.status, hospital.text).toBe(200);
    const refs = hospital.text.trim().split('\n').slice(1);
    expect(refs.length).toBeGreaterThan(0);
    let wrongPerson = 0;
    for (const ref of refs) {
      const p = people.get(personOf.get('hospital')!.get(ref)!)!;
      expect(p.deceased).toBe(false);
      expect(p.optedOut).toBe(false);
      if (!(p.sex === 'F' && ageAt(p) >= 40 && ageAt(p) <= 64)) wrongPerson++;
    }
    // Linkage can attach a wrong record now and then; the list is overwhelmingly right.
    expect(wrongPerson).toBeLessThanOrEqual(refs.length * 0.02);

    // Others' lists do not exist for them; the spine and opt-out register get none; the
    // researcher gets nothing.
    expect((await listOf('Spine', 'hospital')).status).toBe(404);
    expect((await listOf('Spine', 'spine')).status).toBe(404);
    expect((await listOf('OptOut', 'optout')).status).toBe(404);
    expect((await listOf('University', 'hospital')).status).toBe(403);

    // A cap is honoured deterministically.
    const capped = await call(s, 'POST', `/runs/${runId}/invitations`, {
      token: tokens.University,
      json: { criteria: FEMALE_40_64, cap: 20 },
    });
    const list = await call(s, 'GET', `/invitations/${capped.body.id}/datasets/${datasets.hospital}`, {
      token: tokens.Hospital,
    });
    const people20 = new Set(
      list.text
        .trim()
        .split('\n')
        .slice(1)
        .map((ref) => personOf.get('hospital')!.get(ref)),
    );
    expect(people20.size).toBeLessThanOrEqual(20);
  });

  it('audits every cohort action without refs', async () => {
    const rows = s.db.prepare('SELECT action, detail_json FROM audit ORDER BY seq').all() as {
      action: string;
      detail_json: string;
    }[];
    const actions = rows.map((r) => r.action);
    for (const a of [
      'dataset.attributes.uploaded',
      'dataset.events.uploaded',
      'cohort.feasibility',
      'invitations.created',
      'invitations.list.read',
    ])
      expect(actions).toContain(a);
    const details = rows.map((r) => r.detail_json).join('\n');
    for (const ref of personOf.get('hospital')!.keys()) expect(details.includes(ref)).toBe(false);
    // The cohort cache is bounded (least recently used run dropped), and says so in /metrics.
    const metrics = (await call(s, 'GET', '/metrics', { token: s.adminToken })).text;
    expect(metrics).toMatch(/^cohortlink_cohort_cache_runs 1$/m);
    const usage = s.db.prepare('SELECT DISTINCT kind FROM usage').pluck().all();
    expect(usage).toEqual(expect.arrayContaining(['feasibility', 'invitations']));
  });
});
