/**
 * Comparisons and scoring pool samples on their way from the link thread to a run's status and
 * the metrics: the real thread through LinkHost, and the manager's live status driven step by
 * step by a stand-in host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScorePoolStats } from '../../../src/matching/score/pool.js';
import { LinkFailure, LinkHost, type ProgressListener } from '../../../src/server/runs/linkHost.js';
import type { LinkDone } from '../../../src/server/runs/protocol.js';
import { RunFiles } from '../../../src/server/runs/runFiles.js';
import { type LinkRunner, RunManager } from '../../../src/server/runs/runManager.js';
import { runRequestSchema } from '../../../src/server/runs/runRequest.js';
import { encodeWorld, makeWorld, type World } from './fixture.js';

let w: World;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  w = makeWorld(encodeWorld(1000, false));
}, 120_000);

afterAll(async () => {
  for (const c of closers) await c();
});

describe('run progress', () => {
  it('forwards comparisons of the scoring stage and pool samples from the link thread', async () => {
    const samples: ScorePoolStats[] = [];
    const host = new LinkHost((s) => samples.push(s));
    closers.push(() => host.close());
    const files = new RunFiles(w.layout);
    const ids = [w.datasets.hospital!, w.datasets.spine!];
    const calls: { stage: string; comparisons: number | undefined }[] = [];
    const done = await host.run(
      {
        runId: 'progress-run',
        inputs: ids.map((id) => ({ name: id, path: files.encodings(id), bytes: files.encodingsBytes(id) })),
        options: { mode: 'many-to-one', workers: 1 },
        previousKeys: {},
        output: files.prepare('progress-run'),
      },
      (stage, _done, _total, comparisons) => calls.push({ stage, comparisons }),
    );
    const scoring = calls.filter((c) => c.comparisons !== undefined);
    expect(scoring.length).toBeGreaterThan(0);
    expect(new Set(scoring.map((c) => c.stage))).toEqual(new Set(['score']));
    // One dataset pair: its last report (always sent) is the run's total.
    expect(done.comparisons).toBeGreaterThan(0);
    expect(scoring.at(-1)?.comparisons).toBe(done.comparisons);
    // A sample as the run started and one before its result.
    expect(samples.length).toBeGreaterThanOrEqual(2);
    for (const s of samples) {
      expect(s.utilisation).toBeGreaterThanOrEqual(0);
      expect(s.threads).toBeGreaterThanOrEqual(0);
      expect(s.queueSize).toBeGreaterThanOrEqual(0);
    }
  }, 60_000);

  it('shows the comparisons of a running run in its status, from memory, and pool samples in metrics', async () => {
    let listener: ProgressListener | undefined;
    let fail: ((e: LinkFailure) => void) | undefined;
    let sample: ((s: ScorePoolStats) => void) | undefined;
    const stand: LinkRunner = {
      run: (_job, onProgress) =>
        new Promise<LinkDone>((_resolve, reject) => {
          listener = onProgress;
          fail = reject;
        }),
      cancel: () => {},
      close: async () => {},
    };
    const m = new RunManager({
      db: w.db,
      layout: w.layout,
      workers: 1,
      linkHost: (onPoolSample) => {
        sample = onPoolSample;
        return stand;
      },
    });
    closers.push(() => m.close());
    const request = runRequestSchema.parse({
      datasets: [w.datasets.hospital, w.datasets.spine],
      mode: 'many-to-one',
    });
    const { id } = m.submit(w.projectId, { organisationId: w.orgId, tokenId: null }, request);
    // The run started on submit (a free slot) and handed its job to the host.
    expect(listener).toBeDefined();
    expect(m.status(id)).toMatchObject({ state: 'running', comparisons: null });
    listener!('score', 10, 100, 1234);
    expect(m.status(id)).toMatchObject({
      stage: 'score',
      progress: { done: 10, total: 100 },
      comparisons: { done: 1234 },
    });
    listener!('score', 100, 100, 5678);
    listener!('solve', 0, 1);
    expect(m.status(id)).toMatchObject({ stage: 'solve', comparisons: { done: 5678 } });
    // Memory only: the row never holds a running run's comparisons.
    const row = w.db.prepare('SELECT done, stage FROM run WHERE id = ?').get(id) as {
      done: number;
      stage: string;
    };
    expect(row.done).not.toBe(5678);

    sample!({ utilisation: 0.25, threads: 2, queueSize: 3 });
    const text = m.metrics.prometheus();
    expect(text).toMatch(/^cohortlink_score_pool_utilisation 0\.25$/m);
    expect(text).toMatch(/^cohortlink_score_pool_threads 2$/m);
    expect(text).toMatch(/^cohortlink_score_pool_queue_size 3$/m);

    fail!(new LinkFailure('CL_INTERNAL', 'stand-in failure'));
    const finished = await m.settled(id);
    expect(finished).toMatchObject({ state: 'failed', comparisons: null });
  });
});
