/**
 * The acceptance path through the real `cohortlink serve` process over HTTP: the first
 * admin from `admin init`, organisations and tokens, a project, two providers uploading
 * encodings made by `generate` + `encode`, a many-to-one run polled to success, keys only to the
 * organisation that uploaded each dataset, summaries and the audit trail for the reviewer, and
 * `audit verify` before and after an audit row is edited behind the service's back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { call, createOrganisations, uploadId } from './helpers.js';
import { type Encoded, encodeWorld } from './runs/fixture.js';
import { type ServeProcess, startServe, stopAllServes } from './serveProcess.js';

let encoded: Encoded;
let dbPath: string;
let serve: ServeProcess;
let admin: string;
const tokens: Record<string, string> = {};
const orgs: Record<string, string> = {};
let projectId: string;
const datasets: Record<string, string> = {};
let runId: string;

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

beforeAll(async () => {
  encoded = encodeWorld(2000, false);
  dbPath = join(tempDir('cohortlink-e2e-'), 'service.db');
  const init = runCli(['admin', 'init', '--db', dbPath, '--name', 'Operator']);
  expect(init.status, init.stderr).toBe(0);
  admin = init.stdout.trim();
  serve = await startServe(dbPath);
}, 120_000);

afterAll(async () => {
  await stopAllServes();
});

describe('cohortlink serve, end to end', () => {
  it('sets up organisations, tokens and a project with the first admin token', async () => {
    expect((await call(serve, 'GET', '/me', { token: admin })).body.role).toBe('admin');
    {
      const made = await createOrganisations(serve, admin, [
        ['Spine', 'provider'],
        ['Hospital', 'provider'],
        ['University', 'researcher'],
        ['Regulator', 'reviewer'],
      ]);
      Object.assign(orgs, made.ids);
      Object.assign(tokens, made.tokens);
    }
    const p = await call(serve, 'POST', '/projects', {
      token: admin,
      json: { name: 'Trial 1', members: Object.values(orgs) },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.body.members).toHaveLength(4);
    projectId = p.body.id;
  });

  it('takes each provider’s upload of its encodings', async () => {
    for (const [org, name, file] of [
      ['Spine', 'spine', encoded.files.spine],
      ['Hospital', 'hospital', encoded.files.hospital],
    ] as const) {
      const r = await call(
        serve,
        'POST',
        `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`,
        {
          token: tokens[org],
          body: readFileSync(file),
          headers: { 'content-type': 'application/x-ndjson' },
        },
      );
      expect(r.status, r.text).toBe(201);
      expect(r.body.records).toBe(refsOf(file).size);
      datasets[name] = r.body.id;
    }
    // A provider sees only its own organisation's dataset.
    const own = await call(serve, 'GET', `/projects/${projectId}/datasets`, { token: tokens.Hospital });
    expect(own.body.datasets.map((d: { name: string }) => d.name)).toEqual(['hospital']);
  });

  it('runs a many-to-one link with an automatic threshold to success', async () => {
    const r = await call(serve, 'POST', `/projects/${projectId}/runs`, {
      token: tokens.University,
      json: { datasets: [datasets.hospital, datasets.spine], mode: 'many-to-one', threshold: 'auto' },
    });
    expect(r.status, r.text).toBe(202);
    runId = r.body.id;
    let state = r.body.state;
    for (let i = 0; i < 1200 && (state === 'queued' || state === 'running'); i++) {
      await sleep(100);
      const s = await call(serve, 'GET', `/runs/${runId}`, { token: tokens.University });
      expect(s.status, s.text).toBe(200);
      state = s.body.state;
      if (state === 'failed') throw new Error(`run failed: ${s.text}`);
    }
    expect(state).toBe('succeeded');
  }, 150_000);

  it('gives each provider the keys of its own dataset only, and the researcher none', async () => {
    const keys = (token: string | undefined, d: string) =>
      call(serve, 'GET', `/runs/${runId}/datasets/${datasets[d]}/keys`, { token });
    for (const [org, mine, theirs, file] of [
      ['Hospital', 'hospital', 'spine', encoded.files.hospital],
      ['Spine', 'spine', 'hospital', encoded.files.spine],
    ] as const) {
      const own = await keys(tokens[org], mine);
      expect(own.status, own.text).toBe(200);
      expect(own.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = own.text.trim().split('\n');
      expect(lines[0]).toBe('ref,linkage_key');
      const refs = refsOf(file);
      expect(lines.length - 1).toBe(refs.size);
      expect(new Set(lines.slice(1).map((l) => l.split(',')[0]))).toEqual(refs);
      expect([403, 404]).toContain((await keys(tokens[org], theirs)).status);
    }
    for (const d of ['hospital', 'spine']) {
      const refused = await keys(tokens.University, d);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('CL_FORBIDDEN');
      expect(refused.text).not.toMatch(/lk_/);
    }
  });

  it('shows the reviewer the run summary and the audit trail, without refs or keys', async () => {
    const summary = await call(serve, 'GET', `/runs/${runId}/summary`, { token: tokens.Regulator });
    expect(summary.status, summary.text).toBe(200);
    expect(summary.body.run.state).toBe('succeeded');
    expect(summary.body.summary.people).toBeGreaterThan(0);
    expect(summary.text).not.toMatch(/lk_[0-9a-z]{10}/);

    const audit = await call(serve, 'GET', `/audit?projectId=${projectId}&limit=1000`, {
      token: tokens.Regulator,
    });
    expect(audit.status, audit.text).toBe(200);
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'project.created',
        'dataset.uploaded',
        'run.queued',
        'run.started',
        'run.succeeded',
        'run.keys.read',
        'run.summary.read',
      ]),
    );
    expect(actions.filter((a: string) => a === 'dataset.uploaded')).toHaveLength(2);
    // Both providers' key reads are on the trail, attributed to their organisations.
    const keyReaders = audit.body.entries
      .filter((e: { action: string }) => e.action === 'run.keys.read')
      .map((e: { organisationId: string }) => e.organisationId);
    expect(new Set(keyReaders)).toEqual(new Set([orgs.Hospital, orgs.Spine]));
    expect(audit.text).not.toMatch(/lk_[0-9a-z]{10}/);
    // Another project's trail, or the whole trail, is not the reviewer's to read.
    expect((await call(serve, 'GET', '/audit', { token: tokens.Regulator })).status).toBe(400);
  });

  it('documents the run routes with their schemas in /openapi.json', async () => {
    const doc = (await call(serve, 'GET', '/openapi.json')).body;
    const post = doc.paths['/projects/{projectId}/runs'].post;
    expect(post.requestBody.content['application/json'].schema.properties.mode.enum).toContain('many-to-one');
    expect(post.responses['202'].content['application/json'].schema.properties.state.enum).toContain(
      'succeeded',
    );
    expect(
      doc.paths['/runs/{id}/datasets/{datasetId}/keys'].get.parameters.map((p: { name: string }) => p.name),
    ).toEqual(expect.arrayContaining(['id', 'datasetId', 'offset', 'limit']));
  });

  it('verifies the audit chain, and names an entry edited in the database after the server stopped', async () => {
    const ok = runCli(['audit', 'verify', '--db', dbPath]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit trail intact: \d+ entries, head [0-9a-f]{64}/);

    expect(await serve.stop()).toBe(0);
    const raw = new Database(dbPath);
    const entry = raw
      .prepare(`SELECT seq, detail_json FROM audit WHERE action = 'dataset.uploaded' ORDER BY seq LIMIT 1`)
      .get() as { seq: number; detail_json: string };
    const detail = JSON.parse(entry.detail_json) as { records: number };
    raw
      .prepare('UPDATE audit SET detail_json = ? WHERE seq = ?')
      .run(JSON.stringify({ ...detail, records: detail.records + 1 }), entry.seq);
    raw.close();

    const bad = runCli(['audit', 'verify', '--db', dbPath]);
    expect(bad.status).toBe(5);
    expect(bad.stderr).toMatch(new RegExp(`CL_STORE_CORRUPT: audit entry ${entry.seq}: .*edited`));
  });
});
