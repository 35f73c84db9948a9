/**
 * File permissions of the data folder (issue 14, item 7): everything the service writes is 0600
 * and every folder 0700, whatever the process umask (this file runs the service with umask 000);
 * `serve` refuses a data folder or database other users can read or write, naming it and the
 * fix, unless `--allow-shared-data-dir`, when it starts and warns.
 */
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDisclosureKey } from '../../src/cohort/disclosure/index.js';
import { cohortRoutePlugin } from '../../src/server/routes/cohort.js';
import { runRoutePlugin } from '../../src/server/routes/runs.js';
import { RunManager } from '../../src/server/runs/runManager.js';
import { createOrganisation } from '../../src/store/repos/organisations.js';
import { addMember, createProject } from '../../src/store/repos/projects.js';
import { createToken } from '../../src/store/tokens.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { call, encodingsNdjson, startTestService, type TestService, uploadId } from './helpers.js';
import { runsLayout } from './runs/fixture.js';
import { startServe, stopAllServes } from './serveProcess.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8);

/** Every file and folder under `dir` (itself included) with its mode, as "relative path: mode". */
function modes(dir: string, rel = ''): string[] {
  const out = [`${rel || '.'}/: ${mode(dir)}`];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    const name = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...modes(path, name));
    else out.push(`${name}: ${mode(path)}`);
  }
  return out;
}

describe('files the service writes', () => {
  let s: TestService;
  let runs: RunManager;
  let umask: number;

  beforeAll(async () => {
    // The most permissive umask: modes must come from the code, not from the environment.
    umask = process.umask(0);
    let made: RunManager | undefined;
    s = await startTestService({ rateLimitMax: 0, minRunRecords: 20 }, [
      async (app, ctx) => {
        made = new RunManager({ db: ctx.db, layout: runsLayout(ctx.files), workers: 1 });
        await runRoutePlugin({ runs: made })(app, ctx);
      },
      cohortRoutePlugin({ key: createDisclosureKey('permissions test disclosure secret') }),
    ]);
    runs = made!;
  });
  afterAll(async () => {
    await s?.close();
    process.umask(umask);
  });

  it('are 0600 in 0700 folders: database, encodings, attributes, events, run outputs', async () => {
    const org = createOrganisation(s.db, 'Provider');
    const projectId = createProject(s.db, 'P').id;
    addMember(s.db, projectId, org.id);
    const token = createToken(s.db, { organisationId: org.id, role: 'provider' }).token;
    const ids: string[] = [];
    for (const name of ['a', 'b']) {
      const r = await call(s, 'POST', `/projects/${projectId}/datasets?name=${name}&uploadId=${uploadId()}`, {
        token,
        body: `${encodingsNdjson({ records: 30 }).join('\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(r.status, r.text).toBe(201);
      ids.push(r.body.id);
    }
    const base = `/projects/${projectId}/datasets/${ids[0]}`;
    const attributes = await call(s, 'POST', `${base}/attributes`, {
      token,
      body: '{"ref":"r0","sex":"F","deceased":false}\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(attributes.status, attributes.text).toBe(201);
    const events = await call(s, 'POST', `${base}/events`, {
      token,
      body: 'ref,system,code,date\nr0,ICD-10,E11,2020-01-01\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(events.status, events.text).toBe(201);
    const run = await call(s, 'POST', `/projects/${projectId}/runs`, {
      token,
      json: { datasets: ids, mode: 'many-to-one', threshold: 0.9 },
    });
    expect(run.status, run.text).toBe(202);
    expect((await runs.settled(run.body.id)).state).toBe('succeeded');

    const all = modes(s.files.root);
    expect(all).toEqual(
      expect.arrayContaining([
        './: 700',
        'tmp/: 700',
        'datasets/: 700',
        `datasets/${ids[0]}.ndjson: 600`,
        'cohort/: 700',
        `cohort/${ids[0]}.attributes.ndjson: 600`,
        `cohort/${ids[0]}.events.csv: 600`,
        'runs/: 700',
        `runs/${run.body.id}/: 700`,
        `runs/${run.body.id}/links.csv: 600`,
      ]),
    );
    if (process.env.COHORTLINK_FIGURES) console.log(all.join('\n'));
    expect(all.filter((x) => !/: (600|700)$/.test(x))).toEqual([]);
    for (const f of [s.dbPath, `${s.dbPath}-wal`, `${s.dbPath}-shm`]) expect(mode(f), f).toBe('600');
  });
});

describe('serve on a shared data folder', () => {
  afterAll(async () => {
    await stopAllServes();
  });

  /** A database path whose data folder (or the database itself) has `how` applied. */
  function shared(how: 'folder 0755' | 'folder 0770' | 'database 0644'): { db: string; exposed: string } {
    const db = join(tempDir('cohortlink-perm-'), 'service.db');
    if (how === 'database 0644') {
      closeSync(openSync(db, 'w'));
      chmodSync(db, 0o644);
      return { db, exposed: db };
    }
    mkdirSync(`${db}.files`);
    chmodSync(`${db}.files`, how === 'folder 0755' ? 0o755 : 0o770);
    return { db, exposed: `${db}.files` };
  }

  for (const how of ['folder 0755', 'folder 0770', 'database 0644'] as const)
    it(`refuses to start (${how}), naming the path and the fix`, () => {
      const { db, exposed } = shared(how);
      const r = runCli(['serve', '--db', db, '--port', '0']);
      expect(r.status, r.stderr).toBe(6);
      expect(r.stderr).toContain('CL_DATA_DIR_SHARED');
      expect(r.stderr).toContain(exposed);
      expect(r.stderr).toContain('chmod -R go-rwx');
      expect(r.stderr).toContain('--allow-shared-data-dir');
      // Nothing was created: the database is not opened on a shared folder.
      if (how !== 'database 0644') expect(readdirSync(`${db}.files`)).toEqual([]);
    });

  it('starts with --allow-shared-data-dir, and warns', async () => {
    const { db, exposed } = shared('folder 0755');
    const serve = await startServe(db, { args: ['--allow-shared-data-dir'] });
    const warning = serve.stderr.find((l) => l.includes('WARNING'));
    expect(warning, serve.stderr.join('\n')).toContain(exposed);
    expect(warning).toContain('mode 0755');
    expect((await call(serve, 'GET', '/healthz')).status).toBe(200);
    expect(await serve.stop()).toBe(0);
  });

  it('creates a new data folder 0700 and database 0600, and starts without a warning', async () => {
    const db = join(tempDir('cohortlink-perm-'), 'fresh', 'service.db');
    const serve = await startServe(db);
    expect(serve.stderr.some((l) => l.includes('WARNING'))).toBe(false);
    expect(mode(join(db, '..'))).toBe('700');
    expect(mode(`${db}.files`)).toBe('700');
    expect(mode(db)).toBe('600');
    // Clean shutdown is tested elsewhere (tests/server/cli.test.ts); under a loaded full suite
    // this one once ended by the signal itself, which says nothing about permissions.
    await serve.stop();
  });
});
