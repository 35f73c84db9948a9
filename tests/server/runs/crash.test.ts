/**
 * A process killed in the worst window: its run's files are all written but the transaction
 * that records them never ran. After SIGKILL and a restart the run must be failed-and-retryable
 * (not 'running'), its files gone, and a retry must succeed.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { RunManager } from '../../../src/server/runs/runManager.js';
import { PROJECT_ROOT } from '../../helpers/paths.js';
import { encodeWorld, makeWorld } from './fixture.js';

const managers: RunManager[] = [];
afterAll(async () => {
  await Promise.all(managers.map((m) => m.close()));
});

/** The child: submits a run, waits for its files, then blocks its main thread so the run can
 * never be recorded, and says so. The parent kills it there. */
const CHILD = `
import { existsSync } from 'node:fs';
import { join } from 'node:path';
const [dist, dbPath, filesRoot, projectId, orgId, left, right] = process.argv.slice(2);
const { openDatabase } = await import(join(dist, 'src/store/db.js'));
const { RunManager } = await import(join(dist, 'src/server/runs/runManager.js'));
const { runRequestSchema } = await import(join(dist, 'src/server/runs/runRequest.js'));
const db = openDatabase(dbPath);
const m = new RunManager({
  db,
  workers: 1,
  layout: {
    datasetEncodings: (id) => join(filesRoot, 'datasets', id + '.ndjson'),
    runsRoot: () => join(filesRoot, 'runs'),
  },
});
const s = m.submit(projectId, { organisationId: orgId, tokenId: null },
  runRequestSchema.parse({ datasets: [left, right], mode: 'many-to-one' }));
const summary = m.files.paths(s.id).summary;
const sleep = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(summary)) Atomics.wait(sleep, 0, 0, 10);
process.stdout.write(s.id + ' written\\n');
Atomics.wait(sleep, 0, 0, 120000);
`;

describe('a SIGKILL mid-run', () => {
  it('leaves a run that restarts as failed-and-retryable, and retry completes', async () => {
    const w = makeWorld(encodeWorld());
    const script = join(w.files.root, 'crash-child.mjs');
    writeFileSync(script, CHILD);
    const child = spawn(
      process.execPath,
      [
        script,
        `${PROJECT_ROOT}/dist`,
        w.dbPath,
        w.files.root,
        w.projectId,
        w.orgId,
        w.datasets.hospital!,
        w.datasets.spine!,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    const lines = createInterface({ input: child.stdout });
    const [line] = (await lines[Symbol.asyncIterator]().next()).value.split(' ') as string[];
    const runId = line!;
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const before = w.db.prepare('SELECT state FROM run WHERE id = ?').get(runId) as { state: string };
    expect(before.state).toBe('running');

    const m = new RunManager({ db: w.db, layout: w.layout, workers: 1 });
    managers.push(m);
    const s = m.status(runId)!;
    expect(s.state).toBe('failed');
    expect(s.error).toEqual({ code: 'CL_INTERNAL', message: 'interrupted by a restart', retryable: true });
    expect(existsSync(m.files.paths(runId).dir)).toBe(false);
    expect(m.keysFile(runId, w.datasets.spine!)).toBeUndefined();

    m.retry(runId, { organisationId: w.orgId, tokenId: null });
    const done = await m.settled(runId);
    expect(done.state).toBe('succeeded');
    expect(m.keysFile(runId, w.datasets.hospital!)?.records).toBeGreaterThan(0);
  }, 120_000);
});
