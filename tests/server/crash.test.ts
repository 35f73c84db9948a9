/**
 * `cohortlink serve` killed with SIGKILL — no shutdown code runs — in the middle of an upload and
 * in the middle of a run, then started again on the same database: no partial dataset, no temp
 * files or run debris in the data folder, and the interrupted run failed-and-retryable (never
 * stuck 'running'), completed by `POST /runs/:id/retry`.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { call, uploadId } from './helpers.js';
import { type Encoded, encodeWorld } from './runs/fixture.js';
import { type ServeProcess, startServe, stopAllServes } from './serveProcess.js';

let encoded: Encoded;
let dbPath: string;
let dataDir: string;
let serve: ServeProcess;
let admin: string;
const tokens: Record<string, string> = {};
let projectId: string;
const datasets: Record<string, string> = {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file under the data folder, relative to it. */
function filesUnder(dir: string, root = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), root) : [relative(root, join(dir, e.name))],
  );
}

/** Files a crash could leave half-written: upload temps and the run writer's temporaries. */
const temporaries = () => filesUnder(dataDir).filter((f) => f.startsWith('tmp/') || /\.part(ial)?$/.test(f));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  tries = 1200,
  ms = 25,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(ms);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function runState(
  id: string,
): Promise<{ state: string; error: { retryable: boolean; code: string } | null }> {
  const r = await call(serve, 'GET', `/runs/${id}`, { token: tokens.researcher });
  expect(r.status, r.text).toBe(200);
  return r.body;
}

beforeAll(async () => {
  // Big enough that a run lasts a second or more on a slow machine and an upload takes many chunks.
  encoded = encodeWorld(50_000, false);
  dbPath = join(tempDir('cohortlink-crash-'), 'service.db');
  dataDir = `${dbPath}.files`;
  const init = runCli(['admin', 'init', '--db', dbPath]);
  expect(init.status, init.stderr).toBe(0);
  admin = init.stdout.trim();
  serve = await startServe(dbPath);

  const members: string[] = [];
  for (const [name, role] of [
    ['spine', 'provider'],
    ['hospital', 'provider'],
    ['researcher', 'researcher'],
  ] as const) {
    const org = await call(serve, 'POST', '/organisations', { token: admin, json: { name } });
    expect(org.status, org.text).toBe(201);
    members.push(org.body.id);
    const t = await call(serve, 'POST', `/organisations/${org.body.id}/tokens`, {
      token: admin,
      json: { role },
    });
    tokens[name] = t.body.token;
  }
  const p = await call(serve, 'POST', '/projects', { token: admin, json: { name: 'Crash', members } });
  projectId = p.body.id;
  for (const name of ['spine', 'hospital'] as const) {
    const r = await call(
      serve,
      'POST',
      `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`,
      {
        token: tokens[name],
        body: readFileSync(encoded.files[name]),
        headers: { 'content-type': 'application/x-ndjson' },
      },
    );
    expect(r.status, r.text).toBe(201);
    datasets[name] = r.body.id;
  }
}, 180_000);

afterAll(async () => {
  await stopAllServes();
});

describe('SIGKILL and restart', () => {
  it('during an upload: after a restart no partial dataset is listed and no temp file remains', async () => {
    const file = readFileSync(encoded.files.hospital);
    const url = new URL(serve.base);
    // Stream the body slowly with its full length declared; the server writes what it gets to a
    // temp file while it waits for the rest.
    const req = request({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: `/projects/${projectId}/datasets?name=partial&uploadId=${uploadId()}`,
      headers: {
        authorization: `Bearer ${tokens.hospital}`,
        'content-type': 'application/x-ndjson',
        'content-length': file.length,
      },
    });
    const answered = new Promise<string>((resolve) => {
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(`error ${err.message}`));
    });
    const chunk = 64 * 1024;
    let sent = 0;
    const sendSome = () => {
      req.write(file.subarray(sent, sent + chunk));
      sent += chunk;
    };
    for (let i = 0; i < 8; i++) sendSome();
    // Keep sending (slowly) until the server's temp file has data in it, then kill the server.
    await until('the upload temp file', async () => {
      const part = filesUnder(join(dataDir, 'tmp'));
      if (part.length === 1 && statSync(join(dataDir, 'tmp', part[0]!)).size > 0) return part[0];
      if (sent + chunk < file.length / 2) sendSome();
      return undefined;
    });
    expect(sent).toBeLessThan(file.length);
    await serve.kill();
    expect(await answered).toMatch(/^error/);
    req.destroy();
    // The crash left its temp file behind; and a dataset file whose commit never happened (as a
    // crash between the rename and the commit would leave it) sits in datasets/.
    expect(temporaries().length).toBeGreaterThan(0);
    const stray = join(dataDir, 'datasets', `${randomUUID()}.ndjson`);
    copyFileSync(encoded.files.hospital, stray);

    serve = await startServe(dbPath);
    expect(temporaries()).toEqual([]);
    expect(existsSync(stray)).toBe(false);
    const listed = await call(serve, 'GET', `/projects/${projectId}/datasets`, { token: admin });
    expect(listed.body.datasets.map((d: { name: string }) => d.name).sort()).toEqual(['hospital', 'spine']);
    // The uploaded datasets' files survive the sweep.
    for (const id of Object.values(datasets))
      expect(existsSync(join(dataDir, 'datasets', `${id}.ndjson`))).toBe(true);
  }, 120_000);

  it('during a run: after a restart the run is failed and retryable, its files gone, and retry completes it', async () => {
    const started = await call(serve, 'POST', `/projects/${projectId}/runs`, {
      token: tokens.researcher,
      json: { datasets: [datasets.hospital, datasets.spine], mode: 'many-to-one', threshold: 'auto' },
    });
    expect(started.status, started.text).toBe(202);
    const id = started.body.id as string;
    const seen = await until(
      'the run to be running',
      async () => {
        const s = await runState(id);
        return s.state === 'queued' ? undefined : s.state;
      },
      2400,
      10,
    );
    // If this fails the run finished before the kill: the data is too small for this machine.
    expect(seen).toBe('running');
    await serve.kill();

    serve = await startServe(dbPath);
    const after = await runState(id);
    expect(after.state).toBe('failed');
    expect(after.error).toMatchObject({ code: 'CL_INTERNAL', retryable: true });
    expect(temporaries()).toEqual([]);
    expect(existsSync(join(dataDir, 'runs', id))).toBe(false);
    // Nobody can read keys of the interrupted attempt.
    const keys = await call(serve, 'GET', `/runs/${id}/datasets/${datasets.hospital}/keys`, {
      token: tokens.hospital,
    });
    expect(keys.status).toBe(404);

    const retried = await call(serve, 'POST', `/runs/${id}/retry`, { token: tokens.researcher });
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body.id).toBe(id);
    const final = await until(
      'the retried run to finish',
      async () => {
        const s = await runState(id);
        return s.state === 'queued' || s.state === 'running' ? undefined : s;
      },
      1200,
      100,
    );
    expect(final.state, JSON.stringify(final.error)).toBe('succeeded');
    const own = await call(serve, 'GET', `/runs/${id}/datasets/${datasets.hospital}/keys`, {
      token: tokens.hospital,
    });
    expect(own.status, own.text).toBe(200);
    expect(Number(own.headers.get('x-total-records'))).toBeGreaterThan(0);
    expect(temporaries()).toEqual([]);

    // The trail records the interruption (by the service) and the retry; the chain is intact.
    await serve.stop();
    const verify = runCli(['audit', 'verify', '--db', dbPath]);
    expect(verify.status, verify.stderr).toBe(0);
  }, 180_000);
});
