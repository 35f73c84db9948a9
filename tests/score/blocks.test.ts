/**
 * Block-wise scoring against the brute-force scorer: same pairs, scores and counts on random
 * stores and random indexes built by the real pass builder (so with overlapping passes, keyless
 * records and capped blocks), self-linking or not, with and without top-k, sorted or unsorted
 * gathering, any task count; plus the task plan, the final row ordering and the index checks
 * scoring depends on.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPass } from '../../src/blocking/blockPass.js';
import type { BlockIndex } from '../../src/blocking/types.js';
import { CandidateBuffer, FilterStore, WasmArena } from '../../src/matching/kernel/index.js';
import { planBlockTasks } from '../../src/matching/score/blockPlan.js';
import { scoreCandidates } from '../../src/matching/score/index.js';
import { orderByRow } from '../../src/matching/score/rowOrder.js';
import { buildFilters, filterSpecArb } from '../kernel/arbitraries.js';
import { asScored, bruteForce, buildIndex } from './helpers.js';

const spec = filterSpecArb({ random: 5, empty: 1, near: 4 }, { min: 0.05, max: 0.7 }, 30);

/** An index from per-pass block ids through the real builder: capping as in production. */
function realIndex(
  leftIds: readonly Int32Array[],
  rightIds: readonly Int32Array[],
  blocks: number,
  selfLink: boolean,
  maxBlockPairs: number,
  counts: { left: number; right: number },
): BlockIndex {
  const passes = leftIds.map(
    (l, p) =>
      buildPass({
        name: `p${p}`,
        kind: 'key',
        leftIds: l,
        rightIds: selfLink ? l : rightIds[p]!,
        blocks,
        selfLink,
        maxBlockPairs,
      }).pass,
  );
  return { leftCount: counts.left, rightCount: counts.right, selfLink, passes };
}

const caseArb = fc
  .record({
    bits: fc.constantFrom(64, 1024, 1088),
    left: fc.array(spec, { minLength: 0, maxLength: 40 }),
    right: fc.array(spec, { minLength: 0, maxLength: 40 }),
    passes: fc.integer({ min: 0, max: 5 }),
    blocks: fc.integer({ min: 1, max: 6 }),
    keySeed: fc.array(fc.integer({ min: -1, max: 5 }), { minLength: 211, maxLength: 211 }),
    selfLink: fc.boolean(),
    maxBlockPairs: fc.constantFrom(1, 4, 30, 1_000_000),
    floor: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 0.5, 0.8, 1)),
    tasks: fc.integer({ min: 1, max: 9 }),
    sortByPopcount: fc.boolean(),
  })
  .map((c) => {
    const leftBytes = buildFilters(c.left, c.bits);
    const rightBytes = c.selfLink ? leftBytes : buildFilters(c.right, c.bits, leftBytes);
    const arena = new WasmArena();
    const left = FilterStore.fromBytes(leftBytes, { bits: c.bits, allocator: arena });
    const right = c.selfLink ? left : FilterStore.fromBytes(rightBytes, { bits: c.bits, allocator: arena });
    const key = (p: number, side: number, r: number) => {
      const k = c.keySeed[(p * 61 + side * 31 + r * 7) % 211]!;
      return k < 0 ? -1 : k % c.blocks;
    };
    const ids = (side: number, n: number) =>
      Array.from({ length: c.passes }, (_, p) => Int32Array.from({ length: n }, (_, r) => key(p, side, r)));
    const index = realIndex(ids(0, left.count), ids(1, right.count), c.blocks, c.selfLink, c.maxBlockPairs, {
      left: left.count,
      right: right.count,
    });
    return { ...c, left, right, index };
  });

describe('block-wise scoring', () => {
  it('equals the brute-force scorer, counts included', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (x) => {
        const tuning = { workers: 0, tasks: x.tasks, sortByPopcount: x.sortByPopcount };
        const blocks = await scoreCandidates(x.index, x.left, x.right, x.floor, tuning);
        // The output is already in (left row, right row) order: compared without re-sorting.
        expect(asScored(blocks, false)).toEqual(bruteForce(x.index, x.left, x.right, x.floor));
      }),
      { numRuns: 250 },
    );
  });

  it('with top-k equals the brute-force scorer', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 1, max: 5 }), async (x, k) => {
        const tuning = { workers: 0, tasks: x.tasks, sortByPopcount: x.sortByPopcount, topK: k };
        const blocks = await scoreCandidates(x.index, x.left, x.right, x.floor, tuning);
        expect(asScored(blocks, false)).toEqual(bruteForce(x.index, x.left, x.right, x.floor, k));
      }),
      { numRuns: 150 },
    );
  });

  it('puts out each pair once, and counts the distinct candidate pairs, when every pass repeats the same blocks', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.integer({ min: 2, max: 4 }), async (x, copies) => {
        // The same pass several times: every pair is found by each copy, and must appear once.
        const first = x.index.passes[0];
        if (first === undefined) return;
        const index = { ...x.index, passes: Array.from({ length: copies }, () => first) };
        const once = { ...x.index, passes: [first] };
        const r = await scoreCandidates(index, x.left, x.right, 0, { workers: 0, tasks: x.tasks });
        const single = await scoreCandidates(once, x.left, x.right, 0, { workers: 0 });
        const seen = new Set<string>();
        for (let n = 0; n < r.candidates.length; n++) {
          const pair = `${r.candidates.aIndex[n]} ${r.candidates.bIndex[n]}`;
          expect(seen.has(pair)).toBe(false);
          seen.add(pair);
        }
        // At floor 0 every candidate pair is kept, so the kept count is the distinct count.
        expect(r.stats).toEqual(single.stats);
        expect(r.stats.candidatePairs).toBe(seen.size);
      }),
      { numRuns: 100 },
    );
  });

  it('gives the same result with 0, 1 and 2 workers, and as the brute-force scorer, on a larger self-link', async () => {
    const n = 300;
    const arena = new WasmArena();
    const bytes = Array.from({ length: n }, (_, i) =>
      new Uint8Array(128).map((_, k) => (i * 37 + k * k * 11) & 0xff),
    );
    const store = FilterStore.fromBytes(bytes, { allocator: arena });
    const ids = [0, 1, 2].map((p) => Int32Array.from({ length: n }, (_, i) => ((i * (p + 3)) >> 3) % 9));
    const index = realIndex(ids, ids, 9, true, 2_000, { left: n, right: n });
    const runs = [];
    for (const workers of [0, 1, 2])
      runs.push(
        asScored(await scoreCandidates(index, store, store, 0.3, { workers, tasks: 7, topK: 3 }), false),
      );
    expect(runs[0]!.stats.kept).toBeGreaterThan(100);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0]).toEqual(bruteForce(index, store, store, 0.3, 3));
  });

  it('refuses an index whose two sides disagree', async () => {
    const s = FilterStore.fromBytes([new Uint8Array(8), new Uint8Array(8)]);
    const ok = buildIndex([[0, 0]], [[0, 0]]);
    const p = ok.passes[0]!;
    const twice = { ...ok, passes: [{ ...p, leftMembers: new Uint32Array([0, 0]) }] };
    await expect(scoreCandidates(twice, s, s, 0.5)).rejects.toThrow(/listed twice/);
    const wrongBlock = { ...ok, passes: [{ ...p, rightBlock: new Int32Array([0, -1]) }] };
    await expect(scoreCandidates(wrongBlock, s, s, 0.5)).rejects.toMatchObject({ code: 'CL_USAGE' });
  });
});

describe('planBlockTasks', () => {
  it('cuts in unit order, splits a block bigger than a task between left members, and covers everything', () => {
    const n = 100;
    const ids = Int32Array.from({ length: n }, (_, i) => (i < 80 ? 0 : 1 + (i % 5)));
    const pass = buildPass({
      name: 'p',
      kind: 'key',
      leftIds: ids,
      rightIds: ids,
      blocks: 6,
      selfLink: false,
      maxBlockPairs: 1e9,
    }).pass;
    const index: BlockIndex = { leftCount: n, rightCount: n, selfLink: false, passes: [pass, pass] };
    const plan = planBlockTasks(index, 10);
    expect(plan.cuts.length).toBe(11);
    expect(plan.cuts[0]).toEqual({ pass: 0, block: 0, member: 0 });
    expect(plan.cuts.at(-1)).toEqual({ pass: 2, block: 0, member: 0 });
    const key = (c: { pass: number; block: number; member: number }) =>
      c.pass * 1e6 + c.block * 1e3 + c.member;
    for (let t = 1; t < plan.cuts.length; t++)
      expect(key(plan.cuts[t]!)).toBeGreaterThan(key(plan.cuts[t - 1]!));
    // Block 0 (80 × 80) is most of each pass's work, so some cuts fall inside it.
    expect(plan.cuts.some((c) => c.block === 0 && c.member > 0)).toBe(true);
    expect(plan.work.reduce((a, b) => a + b, 0)).toBeCloseTo(plan.totalWork, 6);
  });

  it('makes one task of an index with no pairs', () => {
    const index = buildIndex([[0, -1]], [[1, -1]]);
    expect(planBlockTasks(index).cuts).toEqual([
      { pass: 0, block: 0, member: 0 },
      { pass: 1, block: 0, member: 0 },
    ]);
  });
});

describe('orderByRow', () => {
  it('orders by left row then right row, over several radix digits and long rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 1e6 })), {
          maxLength: 400,
        }),
        fc.boolean(),
        (entries, longRow) => {
          const buf = new CandidateBuffer();
          const seen = new Set<string>();
          const add = (i: number, j: number) => {
            if (seen.has(`${i} ${j}`)) return;
            seen.add(`${i} ${j}`);
            buf.push(i, j, (j % 97) / 97);
          };
          for (const [i, j] of entries) add(i, j);
          if (longRow) for (let j = 200; j > 0; j--) add(5, j * 13);
          const expected = [...seen]
            .map((s) => s.split(' ').map(Number) as [number, number])
            .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          const out = orderByRow(buf, 70_001, undefined);
          expect(Array.from({ length: out.length }, (_, n) => [out.aIndex[n]!, out.bIndex[n]!])).toEqual(
            expected,
          );
          for (let n = 0; n < out.length; n++) expect(out.score[n]).toBe((out.bIndex[n]! % 97) / 97);
        },
      ),
    );
  });

  it('keeps the k best per row, best first, ties to the lower right row', () => {
    const buf = new CandidateBuffer();
    for (const [i, j, s] of [
      [3, 9, 0.5],
      [1, 4, 0.9],
      [3, 2, 0.5],
      [1, 7, 0.95],
      [3, 1, 0.4],
      [1, 2, 0.9],
    ] as const)
      buf.push(i, j, s);
    const out = orderByRow(buf, 4, 2);
    expect(
      Array.from({ length: out.length }, (_, n) => `${out.aIndex[n]} ${out.bIndex[n]} ${out.score[n]}`),
    ).toEqual(['1 7 0.95', '1 2 0.9', '3 2 0.5', '3 9 0.5']);
  });
});
