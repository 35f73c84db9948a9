/**
 * The scoring stage on this thread (workers: 0) against a brute-force scorer: same pairs,
 * scores and counts on random stores and random multi-pass block indexes, self-linking or not,
 * with and without top-k; plus cancellation, progress and malformed input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { FilterStore, WasmArena } from '../../src/matching/kernel/index.js';
import { type ScoreProgress, scoreCandidates } from '../../src/matching/score/index.js';
import { buildFilters, filterSpecArb } from '../kernel/arbitraries.js';
import { asScored, bruteForce, buildIndex } from './helpers.js';

const spec = filterSpecArb({ random: 6, empty: 1, full: 1, near: 3 }, { min: 0, max: 1 }, 20);

const caseArb = fc
  .record({
    bits: fc.constantFrom(64, 512, 1024, 1088),
    left: fc.array(spec, { minLength: 0, maxLength: 25 }),
    right: fc.array(spec, { minLength: 0, maxLength: 25 }),
    passes: fc.integer({ min: 0, max: 3 }),
    /** Keys per pass from a small alphabet (−1: no key), so blocks overlap across passes. */
    keySeed: fc.array(fc.integer({ min: -1, max: 4 }), { minLength: 150, maxLength: 150 }),
    selfLink: fc.boolean(),
    floor: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 0.8, 1)),
    inArena: fc.boolean(),
    tasks: fc.integer({ min: 1, max: 7 }),
  })
  .map((c) => {
    const leftBytes = buildFilters(c.left, c.bits);
    const rightBytes = c.selfLink ? leftBytes : buildFilters(c.right, c.bits, leftBytes);
    const allocator = c.inArena ? new WasmArena() : undefined;
    const left = FilterStore.fromBytes(leftBytes, { bits: c.bits, allocator });
    const right = c.selfLink ? left : FilterStore.fromBytes(rightBytes, { bits: c.bits, allocator });
    const key = (p: number, side: number, r: number) => c.keySeed[(p * 53 + side * 29 + r * 7) % 150]!;
    const lk = Array.from({ length: c.passes }, (_, p) =>
      Array.from({ length: left.count }, (_, r) => key(p, 0, r)),
    );
    const rk = c.selfLink
      ? lk
      : Array.from({ length: c.passes }, (_, p) =>
          Array.from({ length: right.count }, (_, r) => key(p, 1, r)),
        );
    const index = buildIndex(lk, rk, { selfLink: c.selfLink });
    // With no passes the index still needs the counts.
    const fixed = { ...index, leftCount: left.count, rightCount: right.count };
    return { left, right, index: fixed, floor: c.floor, tasks: c.tasks };
  });

describe('scoreCandidates in-process', () => {
  it('matches the brute-force scorer: pairs, scores, candidate pairs and comparisons', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (x) => {
        const r = await scoreCandidates(x.index, x.left, x.right, x.floor, { workers: 0, tasks: x.tasks });
        expect(asScored(r, true)).toEqual(bruteForce(x.index, x.left, x.right, x.floor));
        // Rows in order, whatever the tasks.
        for (let n = 1; n < r.candidates.length; n++)
          expect(r.candidates.aIndex[n]!).toBeGreaterThanOrEqual(r.candidates.aIndex[n - 1]!);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the top k per left row, best first', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 4 }), async (x, k) => {
        const r = await scoreCandidates(x.index, x.left, x.right, x.floor, {
          workers: 0,
          tasks: x.tasks,
          topK: k,
        });
        expect(asScored(r, false)).toEqual(bruteForce(x.index, x.left, x.right, x.floor, k));
      }),
      { numRuns: 100 },
    );
  });

  it('counts a pair found by several passes once (a hand-checked case)', async () => {
    const f = (byte: number) => new Uint8Array(8).fill(byte);
    const left = FilterStore.fromBytes([f(0xff), f(0x0f), f(0)]);
    const right = FilterStore.fromBytes([f(0xff), f(0xfe), f(0x0f), f(0xf0)]);
    const leftKeys = [
      [5, 5, -1],
      [7, -1, -1],
      [5, 5, 5],
    ];
    const rightKeys = [
      [5, 5, 5, -1],
      [-1, 7, -1, 7],
      [5, -1, -1, 5],
    ];
    // Pass 0: left 0 and 1 with right 0, 1, 2; pass 1: left 0 with right 1, 3 (1 again); left 2 has no key.
    const index = buildIndex(leftKeys.slice(0, 2), rightKeys.slice(0, 2));
    const r = await scoreCandidates(index, left, right, 0.5, { workers: 0 });
    // left 0: right 0, 1, 2, 3 (4 pairs); left 1: right 0, 1, 2 (3 pairs).
    expect(r.stats.candidatePairs).toBe(7);
    // 0xfe has 56 bits: 0 × 1 = 2·56/120, 1 × 1 = 2·24/88.
    expect(asScored(r, false).pairs).toEqual([
      '0 0 1',
      '0 1 0.9333333333333333',
      '0 2 0.6666666666666666',
      '0 3 0.6666666666666666',
      '1 0 0.6666666666666666',
      '1 1 0.5454545454545454',
      '1 2 1',
    ]);
    expect(r.stats).toEqual({ candidatePairs: 7, comparisons: 7, kept: 7 });
    // Pass 2 repeats (0,0), (1,0) and adds (0,3) again and (2,0), (2,3), (1,3); blocks gathered
    // in popcount order.
    const all = await scoreCandidates(buildIndex(leftKeys, rightKeys), left, right, 0, {
      workers: 0,
      sortByPopcount: true,
    });
    expect(asScored(all, false).pairs.map((p) => p.split(' ').slice(0, 2).join(' '))).toEqual([
      '0 0',
      '0 1',
      '0 2',
      '0 3',
      '1 0',
      '1 1',
      '1 2',
      '1 3',
      '2 0',
      '2 3',
    ]);
    expect(all.stats.candidatePairs).toBe(10);
  });

  it('reports progress up to every row and stops when aborted', async () => {
    const x = fc.sample(caseArb, { numRuns: 1, seed: 7 })[0]!;
    const seen: ScoreProgress[] = [];
    await scoreCandidates(x.index, x.left, x.right, 0, {
      workers: 0,
      tasks: 3,
      onProgress: (p) => seen.push(p),
    });
    expect(seen.at(-1)?.rowsDone).toBe(x.left.count);
    expect(seen.map((p) => p.rowsDone)).toEqual([...seen.map((p) => p.rowsDone)].sort((a, b) => a - b));

    const left = FilterStore.fromBytes(Array.from({ length: 50 }, () => new Uint8Array(8).fill(1)));
    const keys = [Array.from({ length: 50 }, () => 1)];
    const index = buildIndex(keys, keys);
    const before = new AbortController();
    before.abort();
    await expect(scoreCandidates(index, left, left, 0.5, { signal: before.signal })).rejects.toMatchObject({
      code: 'CL_CANCELLED',
    });
    const during = new AbortController();
    let calls = 0;
    const p = scoreCandidates(index, left, left, 0.5, {
      tasks: 10,
      signal: during.signal,
      onProgress: () => {
        calls++;
        during.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(CohortlinkError);
    await expect(p).rejects.toMatchObject({ code: 'CL_CANCELLED' });
    expect(calls).toBe(1);
  });

  it('refuses an index that does not fit the stores', async () => {
    const s = FilterStore.fromBytes([new Uint8Array(8), new Uint8Array(8)]);
    const ok = buildIndex([[0, 0]], [[0, 0]]);
    await expect(scoreCandidates(ok, s, s, 0.5)).resolves.toBeDefined();
    const three = buildIndex([[0, 0, 0]], [[0, 0]]);
    await expect(scoreCandidates(three, s, s, 0.5)).rejects.toMatchObject({ code: 'CL_USAGE' });
    const badBlock = { ...ok, passes: [{ ...ok.passes[0]!, leftBlock: new Int32Array([0, 9]) }] };
    await expect(scoreCandidates(badBlock, s, s, 0.5)).rejects.toThrow(/block 9 of 1/);
    const badMember = { ...ok, passes: [{ ...ok.passes[0]!, rightMembers: new Uint32Array([0, 5]) }] };
    await expect(scoreCandidates(badMember, s, s, 0.5)).rejects.toThrow(/member 1 is right record 5/);
    await expect(scoreCandidates(ok, s, s, 1.5)).rejects.toMatchObject({ code: 'CL_USAGE' });
    await expect(scoreCandidates(ok, s, s, 0.5, { topK: 0 })).rejects.toMatchObject({ code: 'CL_USAGE' });
  });
});
