import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunManager } from '../../../src/server/runs/runManager.js';
import { type RunRequest, runRequestSchema } from '../../../src/server/runs/runRequest.js';
import { verifyAudit } from '../../../src/store/audit.js';
import { PROJECT_ROOT } from '../../helpers/paths.js';
import { type Encoded, encodeWorld, makeWorld, readKeys, type World } from './fixture.js';

let encoded: Encoded;
const managers: RunManager[] = [];

beforeAll(() => {
  encoded = encodeWorld();
}, 120_000);

afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.close()));
});

function manager(w: World): RunManager {
  const m = new RunManager({ db: w.db, layout: w.layout, workers: 1 });
  managers.push(m);
  return m;
}

const actor = (w: World) => ({ organisationId: w.orgId, tokenId: 'token-1' });

function request(w: World, left = 'hospital', extra: Partial<RunRequest> = {}): RunRequest {
  return runRequestSchema.parse({
    datasets: [w.datasets[left], w.datasets.spine],
    mode: 'many-to-one',
    ...extra,
  });
}

function auditActions(w: World, runId: string): string[] {
  return (
    w.db.prepare('SELECT action FROM audit WHERE target = ? ORDER BY seq').all(runId) as { action: string }[]
  ).map((r) => r.action);
}

describe('RunManager', () => {
  it('runs a link off the request path, writes keys for every dataset and records them', async () => {
    const w = makeWorld(encoded);
    const m = manager(w);
    const queued = m.submit(w.projectId, actor(w), request(w));
    expect(['queued', 'running']).toContain(queued.state);
    const s = await m.settled(queued.id);
    expect(s.error).toBeNull();
    expect(s.state).toBe('succeeded');
    expect(s.finishedAt).not.toBeNull();

    for (const d of [w.datasets.hospital!, w.datasets.spine!]) {
      const file = m.keysFile(s.id, d);
      expect(file).toBeDefined();
      const keys = readKeys(file!.path);
      expect(keys.size).toBe(file!.records);
      for (const k of keys.values()) expect(k).toMatch(/^lk_[0-9a-z]{26}$/);
    }
    const summary = m.summary(s.id) as { people: number; pairs: { links: number }[] };
    expect(summary.people).toBeGreaterThan(1000);
    expect(summary.pairs[0]!.links).toBeGreaterThan(500);
    expect(JSON.stringify(summary)).not.toMatch(/lk_/);

    const usage = w.db.prepare('SELECT kind, quantity FROM usage WHERE ref = ?').all(s.id) as {
      kind: string;
      quantity: number;
    }[];
    expect(usage.find((u) => u.kind === 'runs')?.quantity).toBe(1);
    expect(usage.find((u) => u.kind === 'comparisons')?.quantity).toBeGreaterThan(0);
    expect(auditActions(w, s.id)).toEqual(['run.queued', 'run.started', 'run.succeeded']);
    expect(verifyAudit(w.db).ok).toBe(true);
    expect(m.metrics.prometheus()).toMatch(/cohortlink_run_duration_seconds_count\{state="succeeded"\} 1\n/);
  });

  it('keeps every linkage key when the same datasets are linked again', async () => {
    const w = makeWorld(encoded);
    const m = manager(w);
    const first = await m.settled(m.submit(w.projectId, actor(w), request(w)).id);
    const second = await m.settled(m.submit(w.projectId, actor(w), request(w)).id);
    expect([first.state, second.state]).toEqual(['succeeded', 'succeeded']);
    for (const d of [w.datasets.hospital!, w.datasets.spine!]) {
      const a = readKeys(m.keysFile(first.id, d)!.path);
      const b = readKeys(m.keysFile(second.id, d)!.path);
      expect(b).toEqual(a);
    }
    const keys = (m.summary(second.id) as { keys: { created: number; kept: number } }).keys;
    expect(keys.created).toBe(0);
    expect(keys.kept).toBeGreaterThan(0);
  });

  it('cancels a running run and a queued one, leaving no files', async () => {
    const w = makeWorld(encoded);
    const m = manager(w);
    const running = m.submit(w.projectId, actor(w), request(w));
    const queued = m.submit(w.projectId, actor(w), request(w));
    expect(m.status(running.id)!.state).toBe('running');
    expect(m.status(queued.id)!.state).toBe('queued');

    const q = m.cancel(queued.id, actor(w));
    expect(q.state).toBe('cancelled');
    expect(m.cancel(running.id, actor(w)).cancelRequested).toBe(true);
    const r = await m.settled(running.id);
    expect(r.state).toBe('cancelled');
    expect(r.error?.code).toBe('CL_CANCELLED');
    expect(existsSync(m.files.paths(running.id).dir)).toBe(false);
    expect(m.keysFile(running.id, w.datasets.spine!)).toBeUndefined();
    expect(() => m.cancel(running.id, actor(w))).toThrow(expect.objectContaining({ code: 'CL_CONFLICT' }));
    expect(auditActions(w, running.id)).toEqual(['run.queued', 'run.started', 'run.cancelled']);
  });

  it('fails a run over encodings made with another secret, with a code and no retry', async () => {
    const w = makeWorld(encoded);
    const m = manager(w);
    const s = await m.settled(m.submit(w.projectId, actor(w), request(w, 'hospitalOtherSecret')).id);
    expect(s.state).toBe('failed');
    expect(s.error).toMatchObject({ code: 'CL_ENCODING_MISMATCH', retryable: false });
    expect(existsSync(m.files.paths(s.id).dir)).toBe(false);
    expect(() => m.retry(s.id, actor(w))).toThrow(expect.objectContaining({ code: 'CL_CONFLICT' }));
    // The row says the same as memory.
    const row = w.db.prepare('SELECT state, error_code, retryable FROM run WHERE id = ?').get(s.id);
    expect(row).toEqual({ state: 'failed', error_code: 'CL_ENCODING_MISMATCH', retryable: 0 });
  });

  it('refuses datasets of another project', () => {
    const w = makeWorld(encoded);
    const m = manager(w);
    const r = runRequestSchema.parse({ datasets: ['nope', w.datasets.spine], mode: 'many-to-one' });
    expect(() => m.submit(w.projectId, actor(w), r)).toThrow(
      expect.objectContaining({ code: 'CL_NOT_FOUND' }),
    );
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM run').get()).toEqual({ n: 0 });
  });

  it('marks runs a crash left running or queued failed-and-retryable, removes their files, and retries', async () => {
    const w = makeWorld(encoded);
    const before = manager(w);
    const crashed = before.submit(w.projectId, actor(w), request(w));
    const waiting = before.submit(w.projectId, actor(w), request(w));
    // What a SIGKILL leaves: rows as they were, a half-written folder; the manager never closes.
    managers.splice(managers.indexOf(before), 1);
    await before.close().catch(() => {});
    w.db
      .prepare(`UPDATE run SET state = 'running', error_code = NULL, retryable = NULL WHERE id = ?`)
      .run(crashed.id);
    w.db
      .prepare(`UPDATE run SET state = 'queued', error_code = NULL, retryable = NULL WHERE id = ?`)
      .run(waiting.id);
    const dir = before.files.paths(crashed.id).dir;
    mkdirSync(join(dir, 'keys'), { recursive: true });
    writeFileSync(join(dir, '.links.csv.1.partial'), 'left_ref,right_ref,score\n');

    const after = manager(w);
    for (const id of [crashed.id, waiting.id]) {
      const s = after.status(id)!;
      expect(s.state).toBe('failed');
      expect(s.error).toEqual({ code: 'CL_INTERNAL', message: 'interrupted by a restart', retryable: true });
    }
    expect(existsSync(dir)).toBe(false);

    const again = after.retry(crashed.id, actor(w));
    expect(again.id).toBe(crashed.id);
    expect(['queued', 'running']).toContain(again.state);
    const done = await after.settled(crashed.id);
    expect(done.state).toBe('succeeded');
    expect(readdirSync(after.files.paths(crashed.id).keysDir).sort()).toEqual(
      [`${w.datasets.hospital}.keys.csv`, `${w.datasets.spine}.keys.csv`].sort(),
    );
    expect(auditActions(w, crashed.id)).toContain('run.retried');
    expect(verifyAudit(w.db).ok).toBe(true);
  });

  it('runs in a process started with node -e (the link thread does not inherit -e)', () => {
    const w = makeWorld(encoded);
    // The same run as above, but from a parent whose execArgv is ['--input-type=module', '-e', …]:
    // a worker that inherited them would run that text instead of its own file and die.
    const script = `
      const [dist, dbPath, filesRoot, projectId, orgId, left, right] = process.argv.slice(1);
      const { join } = await import('node:path');
      const { openDatabase } = await import(join(dist, 'src/store/db.js'));
      const { RunManager } = await import(join(dist, 'src/server/runs/runManager.js'));
      const { runRequestSchema } = await import(join(dist, 'src/server/runs/runRequest.js'));
      const m = new RunManager({
        db: openDatabase(dbPath),
        workers: 1,
        layout: {
          datasetEncodings: (id) => join(filesRoot, 'datasets', id + '.ndjson'),
          runsRoot: () => join(filesRoot, 'runs'),
        },
      });
      const s = m.submit(projectId, { organisationId: orgId, tokenId: null },
        runRequestSchema.parse({ datasets: [left, right], mode: 'many-to-one' }));
      const done = await m.settled(s.id);
      await m.close();
      process.stdout.write(JSON.stringify({ state: done.state, error: done.error }));
    `;
    const r = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script,
        `${PROJECT_ROOT}/dist`,
        w.dbPath,
        w.files.root,
        w.projectId,
        w.orgId,
        w.datasets.hospital!,
        w.datasets.spine!,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ state: 'succeeded', error: null });
  });
});
