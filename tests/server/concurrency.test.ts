/**
 * Concurrent use of one service (in process, with the run routes): two provider organisations
 * upload different datasets into one project at the same moment while one of them also uploads
 * into a second project; then two organisations submit runs back to back (one per project). Each
 * upload keeps its own record count, each run keys exactly its dataset's refs, the run status
 * shows the comparisons made, /metrics shows the scoring pool's load and the audit chain verifies.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { runCli } from '../helpers/cli.js';
import { call, createOrganisations, startTestService, type TestService, uploadId } from './helpers.js';
import { type Encoded, encodeWorld } from './runs/fixture.js';

let encoded: Encoded;
let s: TestService;
const tokens: Record<string, string> = {};
const projects: Record<string, string> = {};
/** dataset ids by `${project}/${name}` */
const datasets: Record<string, string> = {};
const runs: Record<string, string> = {};

/** The refs of an encodings file (every record line). */
function refsOf(path: string): Set<string> {
  const refs = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const o = JSON.parse(line) as { ref?: string };
    if (o.ref !== undefined) refs.add(o.ref);
  }
  return refs;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(runId: string, token: string) {
  for (;;) {
    const r = await call(s, 'GET', `/runs/${runId}`, { token });
    expect(r.status, r.text).toBe(200);
    if (r.body.state !== 'queued' && r.body.state !== 'running') return r.body;
    await sleep(50);
  }
}

beforeAll(async () => {
  encoded = encodeWorld(1000, false);
  s = await startTestService({}, [runRoutePlugin({ workers: 1 })]);
  const admin = s.adminToken;
  const orgs: Record<string, string> = {};
  {
    const made = await createOrganisations(s, admin, [
      ['Spine', 'provider'],
      ['Hospital', 'provider'],
      ['University', 'researcher'],
    ]);
    Object.assign(orgs, made.ids);
    Object.assign(tokens, made.tokens);
  }
  for (const [name, members] of [
    ['trial', [orgs.Spine, orgs.Hospital, orgs.University]],
    ['audit', [orgs.Hospital]],
  ] as const) {
    const p = await call(s, 'POST', '/projects', { token: admin, json: { name, members } });
    expect(p.status, p.text).toBe(201);
    projects[name] = p.body.id;
  }
}, 120_000);

afterAll(async () => {
  await s?.close();
});

describe('concurrent uploads and runs', () => {
  it('takes three uploads at once, two into one project and one into another, each with its own count', async () => {
    const uploads = [
      ['Spine', 'trial', 'spine', encoded.files.spine],
      ['Hospital', 'trial', 'hospital', encoded.files.hospital],
      ['Hospital', 'audit', 'hospital', encoded.files.hospital],
    ] as const;
    const answers = await Promise.all(
      uploads.map(([org, project, name, file]) =>
        call(s, 'POST', `/projects/${projects[project]}/datasets?name=${name}&uploadId=${uploadId()}`, {
          token: tokens[org],
          body: readFileSync(file),
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      ),
    );
    const spineRefs = refsOf(encoded.files.spine).size;
    const hospitalRefs = refsOf(encoded.files.hospital).size;
    // Different sizes, so a count landing on the wrong dataset would show.
    expect(spineRefs).not.toBe(hospitalRefs);
    uploads.forEach(([, project, name, file], k) => {
      const r = answers[k]!;
      expect(r.status, r.text).toBe(201);
      expect(r.body.records).toBe(refsOf(file).size);
      datasets[`${project}/${name}`] = r.body.id;
    });
    expect(new Set(Object.values(datasets)).size).toBe(3);
    // What the store holds, as each provider lists it.
    for (const [org, project, name, refs] of [
      ['Spine', 'trial', 'spine', spineRefs],
      ['Hospital', 'trial', 'hospital', hospitalRefs],
      ['Hospital', 'audit', 'hospital', hospitalRefs],
    ] as const) {
      const list = await call(s, 'GET', `/projects/${projects[project]}/datasets`, { token: tokens[org] });
      expect(list.status, list.text).toBe(200);
      expect(list.body.datasets).toEqual([
        expect.objectContaining({ id: datasets[`${project}/${name}`], name, records: refs }),
      ]);
    }
  });

  it('lists no scoring pool sample in /metrics before the first run', async () => {
    const m = await call(s, 'GET', '/metrics', { token: s.adminToken });
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/# TYPE cohortlink_score_pool_utilisation gauge/);
    expect(m.text).not.toMatch(/^cohortlink_score_pool_threads /m);
  });

  it('runs two links submitted back to back by different organisations, both to success', async () => {
    const first = await call(s, 'POST', `/projects/${projects.trial}/runs`, {
      token: tokens.University,
      json: { datasets: [datasets['trial/hospital'], datasets['trial/spine']], mode: 'many-to-one' },
    });
    const second = await call(s, 'POST', `/projects/${projects.audit}/runs`, {
      token: tokens.Hospital,
      json: { datasets: [datasets['audit/hospital']], mode: 'dedup' },
    });
    expect(first.status, first.text).toBe(202);
    expect(second.status, second.text).toBe(202);
    expect(first.body.comparisons).toBeNull();
    runs.trial = first.body.id;
    runs.audit = second.body.id;
    const done = [await settled(runs.trial, tokens.University), await settled(runs.audit, tokens.Hospital)];
    for (const [k, status] of done.entries()) {
      expect(status.state, JSON.stringify(status.error)).toBe('succeeded');
      // The run's comparisons, as recorded in its audit entry.
      const entry = s.db
        .prepare(`SELECT detail_json FROM audit WHERE action = 'run.succeeded' AND target = ?`)
        .get(k === 0 ? runs.trial : runs.audit) as { detail_json: string };
      const comparisons = (JSON.parse(entry.detail_json) as { comparisons: number }).comparisons;
      expect(comparisons).toBeGreaterThan(0);
      expect(status.comparisons).toEqual({ done: comparisons });
    }
  }, 120_000);

  it('keys exactly each dataset’s refs in each run, for its own provider', async () => {
    for (const [org, run, dataset, file] of [
      ['Hospital', 'trial', 'trial/hospital', encoded.files.hospital],
      ['Spine', 'trial', 'trial/spine', encoded.files.spine],
      ['Hospital', 'audit', 'audit/hospital', encoded.files.hospital],
    ] as const) {
      const r = await call(s, 'GET', `/runs/${runs[run]}/datasets/${datasets[dataset]}/keys`, {
        token: tokens[org],
      });
      expect(r.status, r.text).toBe(200);
      const lines = r.text.trim().split('\n');
      expect(lines[0]).toBe('ref,linkage_key');
      const refs = lines.slice(1).map((l) => l.split(',')[0]);
      expect(refs).toHaveLength(refsOf(file).size);
      expect(new Set(refs)).toEqual(refsOf(file));
    }
    // A dataset of one run is not keyed by the other.
    const cross = await call(s, 'GET', `/runs/${runs.audit}/datasets/${datasets['trial/hospital']}/keys`, {
      token: tokens.Hospital,
    });
    expect(cross.status).toBe(404);
  });

  it('shows the scoring pool’s load in /metrics and comparisons in /openapi.json', async () => {
    const m = await call(s, 'GET', '/metrics', { token: s.adminToken });
    for (const name of [
      'cohortlink_score_pool_utilisation',
      'cohortlink_score_pool_threads',
      'cohortlink_score_pool_queue_size',
    ])
      expect(m.text).toMatch(new RegExp(`^${name} \\d+(\\.\\d+)?(e-?\\d+)?$`, 'm'));
    const doc = (await call(s, 'GET', '/openapi.json')).body;
    const schema = doc.paths['/runs/{id}'].get.responses['200'].content['application/json'].schema;
    expect(schema.properties.comparisons.description).toMatch(/not known before scoring ends/);
    expect(JSON.stringify(schema.properties.comparisons)).toMatch(/"done":\{"type":"integer"/);
  });

  it('leaves an audit trail that verifies', () => {
    const ok = runCli(['audit', 'verify', '--db', s.dbPath]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit trail intact: \d+ entries/);
  });
});
