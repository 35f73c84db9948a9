/**
 * The scoring stage through real worker threads (the compiled dist/workers/match.js: run
 * `npm run build` first): the same candidates, in the same order, with 0, 1 and 2 workers;
 * cancellation mid-run; the pool reused afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FilterStore, WasmArena } from '../../src/matching/kernel/index.js';
import { closeScorePool, type ScoreResult, scoreCandidates } from '../../src/matching/score/index.js';
import { scorePool } from '../../src/matching/score/pool.js';
import { rng } from '../kernel/arbitraries.js';
import { buildIndex } from './helpers.js';

afterAll(() => closeScorePool());

/** Random 1024-bit filters, every 5th right one a near copy of a left one; keys from a few hundred blocks. */
function input(n: number, seed: number, arena?: WasmArena) {
  const r = rng(seed);
  const random = () => {
    const f = new Uint8Array(128);
    const density = 0.05 + 0.5 * r();
    for (let b = 0; b < 1024; b++) if (r() < density) f[b >>> 3]! |= 1 << (b & 7);
    return f;
  };
  const leftBytes = Array.from({ length: n }, random);
  const rightBytes = Array.from({ length: n }, (_, j) => {
    if (j % 5 !== 0) return random();
    const f = leftBytes[Math.floor(r() * n)]!.slice();
    for (let k = 0; k < 40; k++) f[Math.floor(r() * 128)]! ^= 1 << Math.floor(r() * 8);
    return f;
  });
  const left = FilterStore.fromBytes(leftBytes, { allocator: arena });
  const right = FilterStore.fromBytes(rightBytes, { allocator: arena });
  const keys = (count: number, blocks: number) =>
    Array.from({ length: count }, () => (r() < 0.05 ? -1 : Math.floor(r() * blocks)));
  const index = buildIndex([keys(n, 60), keys(n, 90)], [keys(n, 60), keys(n, 90)], {
    shared: arena !== undefined,
  });
  return { left, right, index };
}

function plain(r: ScoreResult) {
  const c = r.candidates;
  return {
    stats: r.stats,
    a: Array.from(c.aIndex.subarray(0, c.length)),
    b: Array.from(c.bIndex.subarray(0, c.length)),
    score: Array.from(c.score.subarray(0, c.length)),
  };
}

describe('scoreCandidates on worker threads', () => {
  it('gives identical results with 0, 1 and 2 workers', async () => {
    const x = input(2_000, 1, new WasmArena());
    const runs = [];
    const completedBefore = scorePool().completed;
    for (const workers of [0, 1, 2])
      runs.push(plain(await scoreCandidates(x.index, x.left, x.right, 0.45, { workers, tasks: 13 })));
    expect(runs[0]!.stats.kept).toBeGreaterThan(1_000);
    expect(runs[0]!.stats.comparisons).toBeLessThan(runs[0]!.stats.candidatePairs);
    // 13 tasks each for the 1- and 2-worker runs went through the pool's threads.
    expect(scorePool().completed - completedBefore).toBe(26);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    // And with top-k and the default task plan.
    const k0 = plain(await scoreCandidates(x.index, x.left, x.right, 0.3, { workers: 0, topK: 2 }));
    const k2 = plain(await scoreCandidates(x.index, x.left, x.right, 0.3, { workers: 2, topK: 2, tasks: 9 }));
    expect(k2).toEqual(k0);
  });

  it('copies stores and an index that are not shared once, and self-links', async () => {
    const x = input(600, 2); // plain ArrayBuffers
    const inProcess = plain(await scoreCandidates(x.index, x.left, x.right, 0.4, { workers: 0 }));
    expect(plain(await scoreCandidates(x.index, x.left, x.right, 0.4, { workers: 2, tasks: 5 }))).toEqual(
      inProcess,
    );
    const keys = [Array.from(x.index.passes[0]!.leftBlock)];
    const selfIndex = buildIndex(keys, keys, { selfLink: true });
    const s0 = plain(await scoreCandidates(selfIndex, x.left, x.left, 0.4, { workers: 0 }));
    const s2 = plain(await scoreCandidates(selfIndex, x.left, x.left, 0.4, { workers: 2, tasks: 7 }));
    expect(s0.a.every((i, n) => s0.b[n]! > i)).toBe(true);
    expect(s2).toEqual(s0);
  });

  it('rejects with CL_CANCELLED when aborted mid-run, and the pool serves the next run', async () => {
    const x = input(1_000, 3, new WasmArena());
    const ac = new AbortController();
    const rows: number[] = [];
    const p = scoreCandidates(x.index, x.left, x.right, 0.3, {
      workers: 2,
      tasks: 40,
      signal: ac.signal,
      onProgress: (q) => {
        rows.push(q.rowsDone);
        ac.abort();
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CL_CANCELLED' });
    expect(rows.length).toBeLessThan(40);
    const again = await scoreCandidates(x.index, x.left, x.right, 0.3, { workers: 2, tasks: 4 });
    expect(plain(again)).toEqual(plain(await scoreCandidates(x.index, x.left, x.right, 0.3, { workers: 0 })));
  });
});
