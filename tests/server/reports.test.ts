/**
 * The report routes over real HTTP (issue 6, §4): who may read which report (reviewers and
 * admins of the project; 403 for other roles, 404 outside the project), 409 before a run has
 * succeeded, JSON models with dataset names (not ids) and no ref or key, HTML pages under the
 * page's own strict policy, an audit entry for every read, a cache that is reused and replaced
 * when the project's datasets change, the project's run listing and the OpenAPI document.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { projectRunRoutes } from '../../src/server/routes/projectRuns.js';
import { REPORT_CSP, reportRoutes } from '../../src/server/routes/reports.js';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { call, createOrganisations, startTestService, type TestService, uploadId } from './helpers.js';
import { type Encoded, encodeWorld, readKeys, runsLayout } from './runs/fixture.js';

let encoded: Encoded;
let s: TestService;
let runs: RunManager;
let tokens: Record<string, string>;
let orgs: Record<string, string>;
let projectId: string;
let otherProjectId: string;
let runId: string;
const datasets: Record<string, string> = {};

/** Every ref of an encodings file. */
function refsOf(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"ref"'))
    .map((l) => (JSON.parse(l) as { ref: string }).ref);
}

/** No ref of either dataset and no linkage key of the run appears in `text`. */
function expectNothingIdentifying(text: string): void {
  for (const file of [encoded.files.hospital, encoded.files.spine]) {
    const refs = refsOf(file);
    expect(refs.length).toBeGreaterThan(1000);
    // Generated refs are 11 random characters: a plain substring match cannot hit by chance.
    for (const ref of refs) expect(text.includes(ref)).toBe(false);
  }
  for (const d of ['hospital', 'spine'])
    for (const key of readKeys(join(s.files.root, 'runs', runId, 'keys', `${datasets[d]}.keys.csv`)).values())
      expect(text.includes(key)).toBe(false);
}

const upload = async (org: string, name: string, file: string) => {
  const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`, {
    token: tokens[org],
    body: readFileSync(file),
    headers: { 'content-type': 'application/x-ndjson' },
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
};

beforeAll(async () => {
  encoded = encodeWorld(2000, false);
  let made: RunManager | undefined;
  s = await startTestService({ rateLimitMax: 0 }, [
    async (app, ctx) => {
      made = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
      await runRoutePlugin({ runs: made })(app, ctx);
    },
    projectRunRoutes,
    reportRoutes,
    cohortRoutePlugin({ key: createDisclosureKey('reports test disclosure secret') }),
  ]);
  runs = made!;
  ({ ids: orgs, tokens } = await createOrganisations(s, s.adminToken, [
    ['Spine', 'provider'],
    ['Hospital', 'provider'],
    ['University', 'researcher'],
    ['Regulator', 'reviewer'],
    ['Elsewhere', 'reviewer'],
  ]));
  const members = ['Spine', 'Hospital', 'University', 'Regulator'].map((o) => orgs[o]);
  const p = await call(s, 'POST', '/projects', { token: s.adminToken, json: { name: 'Trial', members } });
  expect(p.status, p.text).toBe(201);
  projectId = p.body.id;
  const other = await call(s, 'POST', '/projects', {
    token: s.adminToken,
    json: { name: 'Other trial', members: [orgs.Elsewhere] },
  });
  otherProjectId = other.body.id;
  datasets.spine = await upload('Spine', 'spine', encoded.files.spine);
  datasets.hospital = await upload('Hospital', 'hospital', encoded.files.hospital);
  for (const [org, name] of [
    ['Spine', 'spine'],
    ['Hospital', 'hospital'],
  ] as const) {
    const a = await call(s, 'POST', `/projects/${projectId}/datasets/${datasets[name]}/attributes`, {
      token: tokens[org],
      body: readFileSync(join(encoded.dir, `${name}.attributes.ndjson`)),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(a.status, a.text).toBeLessThan(300);
  }
  const r = await call(s, 'POST', `/projects/${projectId}/runs`, {
    token: tokens.University,
    json: { datasets: [datasets.hospital, datasets.spine], mode: 'many-to-one' },
  });
  expect(r.status, r.text).toBe(202);
  runId = r.body.id;
  expect((await runs.settled(runId)).state).toBe('succeeded');
}, 180_000);

afterAll(async () => {
  await s?.close();
  await runs?.close();
});

const runUrls = () => [`/runs/${runId}/report`, `/runs/${runId}/report.html`];
const datasetUrls = () => [
  `/projects/${projectId}/datasets/${datasets.hospital}/quality`,
  `/projects/${projectId}/datasets/${datasets.hospital}/quality.html`,
];
const privacyUrls = () => [
  `/projects/${projectId}/privacy-report`,
  `/projects/${projectId}/privacy-report.html`,
];

describe('report routes', () => {
  it("gives the reviewer a succeeded run's linkage report with dataset names, scores and subgroups", async () => {
    const r = await call(s, 'GET', `/runs/${runId}/report`, { token: tokens.Regulator });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body.format).toBe('cohortlink-linkage-report/1');
    expect(r.body.mode).toBe('many-to-one');
    // Names the reviewer knows, not the service's dataset ids.
    expect(r.body.inputs.map((d: { name: string }) => d.name)).toEqual(['hospital', 'spine']);
    expect(r.text).not.toContain(datasets.hospital);
    expect(r.body.counts.links).toBeGreaterThan(1000);
    // The run kept its floor links, so the histogram is there and agrees with the link count.
    expect(r.body.scores.linksAtThreshold).toBe(r.body.counts.links);
    const binned = r.body.scores.histogram.reduce((a: number, b: { count: number }) => a + b.count, 0);
    expect(binned).toBe(r.body.scores.floorLinks);
    // Attributes were uploaded for both datasets: link rates by subgroup, ages at the run's end.
    const sub = r.body.subgroups;
    expect(sub.datasets.map((d: { dataset: string }) => d.dataset).sort()).toEqual(['hospital', 'spine']);
    const finished = (await call(s, 'GET', `/runs/${runId}`, { token: tokens.Regulator })).body.finishedAt;
    expect(sub.asOf).toBe(finished.slice(0, 10));
    // The page can be traced: which run, built when and by which cohortlink.
    expect(r.body.runId).toBe(runId);
    expect(r.body.generated.by).toMatch(/^cohortlink \d+\.\d+\.\d+$/);
    expect(Date.parse(r.body.generated.at)).toBeGreaterThanOrEqual(Date.parse(finished));
    expectNothingIdentifying(r.text);
  });

  it('serves the run report as a self-contained page under the policy its meta tag declares', async () => {
    const r = await call(s, 'GET', `/runs/${runId}/report.html`, { token: tokens.Regulator });
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(REPORT_CSP);
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(r.text);
    expect(meta?.[1]).toBe(REPORT_CSP);
    expect(r.text).toMatch(/^<!doctype html>/);
    expect(r.text).toContain('<svg');
    expect(r.text).not.toMatch(/<script|src="http|href="http/i);
    expect(r.text).toContain('hospital');
    expect(r.text).toMatch(
      new RegExp(`<p class="note">Run ${runId}; built \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC by cohortlink `),
    );
    expectNothingIdentifying(r.text);
  });

  it("gives reviewers and admins a dataset's quality report, compared with the project's others", async () => {
    for (const token of [tokens.Regulator, s.adminToken]) {
      const r = await call(s, 'GET', datasetUrls()[0]!, { token });
      expect(r.status, r.text).toBe(200);
      expect(r.body.format).toBe('cohortlink-dataset-quality-report/1');
      expect(r.text).toContain('"hospital"');
      expect(r.text).toContain('"spine"');
      expectNothingIdentifying(r.text);
    }
    const page = await call(s, 'GET', datasetUrls()[1]!, { token: tokens.Regulator });
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(REPORT_CSP);
    expect(page.text).toContain('<svg');
    expectNothingIdentifying(page.text);
  });

  it("gives reviewers the project's privacy-risk report over every dataset", async () => {
    const r = await call(s, 'GET', privacyUrls()[0]!, { token: tokens.Regulator });
    expect(r.status, r.text).toBe(200);
    expect(r.body.format).toBe('cohortlink-privacy-risk-report/1');
    expect(r.body.project).toBe('Trial');
    expect(r.body.datasets.map((d: { name: string }) => d.name).sort()).toEqual(['hospital', 'spine']);
    expect(r.body.keyReuseChecked).toBe(true);
    expectNothingIdentifying(r.text);
    const page = await call(s, 'GET', privacyUrls()[1]!, { token: tokens.Regulator });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(REPORT_CSP);
    expectNothingIdentifying(page.text);
  });

  it('refuses providers and researchers (403), and hides the project from non-members (404)', async () => {
    for (const url of [...runUrls(), ...datasetUrls(), ...privacyUrls()]) {
      for (const org of ['Hospital', 'Spine', 'University']) {
        const r = await call(s, 'GET', url, { token: tokens[org] });
        expect(r.status, `${org} ${url}`).toBe(403);
        expect(r.body.error.code).toBe('CL_FORBIDDEN');
      }
      const outsider = await call(s, 'GET', url, { token: tokens.Elsewhere });
      expect(outsider.status, url).toBe(404);
      expect(outsider.body.error.code).toBe('CL_NOT_FOUND');
      expect((await call(s, 'GET', url)).status).toBe(401);
    }
    // A dataset of another project, or no such run, is not found either.
    const cross = await call(s, 'GET', `/projects/${otherProjectId}/datasets/${datasets.hospital}/quality`, {
      token: tokens.Elsewhere,
    });
    expect(cross.status).toBe(404);
    expect((await call(s, 'GET', '/runs/no-such-run/report', { token: tokens.Regulator })).status).toBe(404);
  });

  it('answers 409 for a run that has not succeeded', async () => {
    for (const state of ['running', 'failed'] as const) {
      const id = `run-${state}`;
      s.db
        .prepare(
          `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, created_at)
           VALUES (?, ?, ?, '{"mode":"one-to-one"}', ?, ?, ?)`,
        )
        .run(
          id,
          projectId,
          orgs.University,
          JSON.stringify([datasets.hospital, datasets.spine]),
          state,
          new Date().toISOString(),
        );
      for (const url of [`/runs/${id}/report`, `/runs/${id}/report.html`]) {
        const r = await call(s, 'GET', url, { token: tokens.Regulator });
        expect(r.status, r.text).toBe(409);
        expect(r.body.error.code).toBe('CL_CONFLICT');
        expect(r.body.error.message).toContain(state);
      }
    }
  });

  it('answers 500 naming the request when a stored run cannot be reported, and logs why', async () => {
    const id = 'run-bad-summary';
    s.db
      .prepare(
        `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, summary_json,
           created_at, finished_at)
         VALUES (?, ?, ?, '{"mode":"one-to-one"}', ?, 'succeeded', '{"format":"not a summary"}', ?, ?)`,
      )
      .run(
        id,
        projectId,
        orgs.University,
        JSON.stringify([datasets.hospital]),
        new Date().toISOString(),
        new Date().toISOString(),
      );
    const r = await call(s, 'GET', `/runs/${id}/report`, {
      token: tokens.Regulator,
      headers: { 'x-request-id': 'bad-1' },
    });
    expect(r.status, r.text).toBe(500);
    expect(r.body.error.code).toBe('CL_INTERNAL');
    expect(r.body.error.message).toContain('bad-1');
    // The reason is in the service's log (from the report thread), not in the answer.
    const logged = s.logs
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'report build failed' && l.reqId === 'bad-1');
    expect(logged).toMatchObject({ report: 'run', code: 'CL_FILE_UNREADABLE' });
    expect(logged.issues.length).toBeGreaterThan(0);
    expect(readdirSync(join(s.files.root, 'runs')).includes(id)).toBe(false);
  });

  it('writes an audit entry for every report read, naming ids and the format only', async () => {
    const all: { action: string; target: string; organisationId: string; detail: Record<string, unknown> }[] =
      [];
    for (let after = 0; ; ) {
      const page = await call(s, 'GET', `/audit?projectId=${projectId}&afterSeq=${after}&limit=1000`, {
        token: tokens.Regulator,
      });
      expect(page.status).toBe(200);
      all.push(...page.body.entries);
      if (page.body.entries.length < 1000) break;
      after = page.body.entries.at(-1).seq;
    }
    const reads = all.filter((e) => e.action.startsWith('report.'));
    const count = (action: string, format: string) =>
      reads.filter((e) => e.action === action && e.detail.format === format).length;
    // Reads so far: run json 1 + html 1; dataset json 2 (reviewer, admin) + html 1; privacy 1 + 1.
    expect(count('report.run.read', 'json')).toBe(1);
    expect(count('report.run.read', 'html')).toBe(1);
    expect(count('report.dataset.read', 'json')).toBe(2);
    expect(count('report.dataset.read', 'html')).toBe(1);
    expect(count('report.privacy.read', 'json')).toBe(1);
    expect(count('report.privacy.read', 'html')).toBe(1);
    for (const e of reads) expect(Object.keys(e.detail)).toEqual(['format']);
    expect(reads.find((e) => e.action === 'report.run.read')!.target).toBe(runId);
    expect(reads.find((e) => e.action === 'report.dataset.read')!.target).toBe(datasets.hospital);
    expect(reads.find((e) => e.action === 'report.privacy.read')!.target).toBe(projectId);
    // Refused reads are not reads.
    expect(reads.some((e) => e.organisationId === orgs.University)).toBe(false);
  });

  it('builds each report once, and rebuilds the project-wide ones when a dataset is added', async () => {
    const runDir = join(s.files.root, 'runs', runId);
    const cached = readdirSync(runDir).filter((f) => /^report-[0-9a-f]+\.json$/.test(f));
    expect(cached).toHaveLength(1);
    const mtime = statSync(join(runDir, cached[0]!)).mtimeMs;
    const again = await call(s, 'GET', `/runs/${runId}/report`, { token: tokens.Regulator });
    expect(again.status).toBe(200);
    expect(statSync(join(runDir, cached[0]!)).mtimeMs).toBe(mtime);
    expect(again.text).toBe(JSON.stringify(JSON.parse(readFileSync(join(runDir, cached[0]!), 'utf8'))));

    const privacyDir = join(s.files.root, 'reports', 'projects', projectId);
    const before = readdirSync(privacyDir);
    expect(before).toHaveLength(1);
    await upload('Hospital', 'hospital-again', encoded.files.hospital);
    const r = await call(s, 'GET', privacyUrls()[0]!, { token: tokens.Regulator });
    expect(r.status, r.text).toBe(200);
    expect(r.body.datasets.map((d: { name: string }) => d.name).sort()).toEqual([
      'hospital',
      'hospital-again',
      'spine',
    ]);
    const after = readdirSync(privacyDir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    // The dataset report compares with the new dataset too.
    const q = await call(s, 'GET', datasetUrls()[0]!, { token: tokens.Regulator });
    expect(q.text).toContain('"hospital-again"');
    expect(s.files.temps()).toEqual([]);
  });

  it("lists a project's runs to its members: state, mode, datasets, times and counts only", async () => {
    for (const org of ['Hospital', 'University', 'Regulator']) {
      const r = await call(s, 'GET', `/projects/${projectId}/runs`, { token: tokens[org] });
      expect(r.status, r.text).toBe(200);
      const run = r.body.runs.find((x: { id: string }) => x.id === runId);
      expect(run).toMatchObject({
        state: 'succeeded',
        mode: 'many-to-one',
        datasets: [datasets.hospital, datasets.spine],
      });
      expect(run.counts.links).toBeGreaterThan(1000);
      expect(run.counts.people).toBeGreaterThan(1000);
      // Exact for the reviewer; the hospital supplied only half of the run and the researcher none.
      expect(run.counts.disclosure).toBe(org === 'Regulator' ? 'exact' : 'controlled');
      if (org !== 'Regulator') expect(run.counts.links % 10).toBe(0);
      expect(Object.keys(run).sort()).toEqual(
        ['counts', 'createdAt', 'datasets', 'finishedAt', 'id', 'mode', 'startedAt', 'state'].sort(),
      );
      // Newest first: the rows inserted by the 409 test come before the real run.
      const times = r.body.runs.map((x: { createdAt: string }) => x.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
    }
    expect((await call(s, 'GET', `/projects/${projectId}/runs`, { token: tokens.Elsewhere })).status).toBe(
      404,
    );
  });

  it('documents the report routes and the run listing in /openapi.json', async () => {
    const doc = (await call(s, 'GET', '/openapi.json')).body;
    for (const path of [
      '/runs/{id}/report',
      '/projects/{projectId}/datasets/{datasetId}/quality',
      '/projects/{projectId}/privacy-report',
    ]) {
      const get = doc.paths[path].get;
      expect(get.responses['200'].content['application/json'].schema.type).toBe('object');
      expect(doc.paths[`${path}.html`].get.tags).toEqual(['reports']);
    }
    expect(doc.paths['/projects/{projectId}/runs'].get.responses['200']).toBeDefined();
  });
});
