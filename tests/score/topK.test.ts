/**
 * Top-k inside the block kernel — each row's k best of a pass kept in WASM, merged into a table
 * the threads share, whose full rows are a rising floor for later passes — against the slow
 * reference and against the paths it replaced: keeping each row's k best of each pass and
 * cutting at the end (no table), and keeping every pair and cutting afterwards. Inputs are
 * built for ties (copies of a few filters, 64 and 128 bits, overlapping passes, small k), where
 * a wrong tie-break or a floor that is one pair too high shows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPass } from '../../src/blocking/blockPass.js';
import type { BlockIndex } from '../../src/blocking/types.js';
import { FilterStore, KERNEL_LIMITS, KERNEL_TUNING, WasmArena } from '../../src/matching/kernel/index.js';
import { scoreCandidates } from '../../src/matching/score/index.js';
import { buildFilters, filterSpecArb } from '../kernel/arbitraries.js';
import { asScored, bruteForce, type Scored } from './helpers.js';

/** Mostly copies and near-copies of a few filters: many pairs share a score exactly. */
const tieSpec = filterSpecArb({ copy: 8, near: 2, random: 2, empty: 1 }, { min: 0.1, max: 0.6 }, 2);

function index(
  leftIds: readonly Int32Array[],
  rightIds: readonly Int32Array[],
  blocks: number,
  selfLink: boolean,
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
        maxBlockPairs: 1e9,
      }).pass,
  );
  return { leftCount: counts.left, rightCount: counts.right, selfLink, passes };
}

const caseArb = fc
  .record({
    bits: fc.constantFrom(64, 128),
    left: fc.array(tieSpec, { minLength: 0, maxLength: 60, size: 'max' }),
    right: fc.array(tieSpec, { minLength: 0, maxLength: 60, size: 'max' }),
    passes: fc.integer({ min: 1, max: 4 }),
    blocks: fc.integer({ min: 1, max: 4 }),
    keySeed: fc.array(fc.integer({ min: -1, max: 4 }), { minLength: 97, maxLength: 97 }),
    selfLink: fc.boolean(),
    floor: fc.oneof(fc.constantFrom(0, 0.25, 0.5, 2 / 3), fc.double({ min: 0, max: 1, noNaN: true })),
    k: fc.integer({ min: 1, max: 3 }),
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
      const v = c.keySeed[(p * 41 + side * 23 + r * 5) % 97]!;
      return v < 0 ? -1 : v % c.blocks;
    };
    const ids = (side: number, n: number) =>
      Array.from({ length: c.passes }, (_, p) => Int32Array.from({ length: n }, (_, r) => key(p, side, r)));
    const idx = index(ids(0, left.count), ids(1, right.count), c.blocks, c.selfLink, {
      left: left.count,
      right: right.count,
    });
    return { ...c, left, right, index: idx };
  });

/**
 * Every pair at or above the floor, then each row's k best (score down, right row up): the old
 * way. Also counts the rows whose cut falls between two equal scores.
 */
function cutToK(all: Scored, k: number): { pairs: string[]; tiedCuts: number } {
  const rows = new Map<number, { j: number; score: number; line: string }[]>();
  for (const line of all.pairs) {
    const [i, j, score] = line.split(' ').map(Number) as [number, number, number];
    const row = rows.get(i) ?? [];
    row.push({ j, score, line });
    rows.set(i, row);
  }
  let tiedCuts = 0;
  const pairs = [...rows.keys()]
    .sort((a, b) => a - b)
    .flatMap((i) => {
      const row = rows.get(i)!.sort((x, y) => y.score - x.score || x.j - y.j);
      if (row.length > k && row[k - 1]!.score === row[k]!.score) tiedCuts++;
      return row.slice(0, k).map((r) => r.line);
    });
  return { pairs, tiedCuts };
}

describe('top-k in the block kernel', () => {
  it('equals the slow reference, the per-pass path and every-pair-then-cut, on inputs full of ties', async () => {
    let tied = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (x) => {
        const tuning = { workers: 0, tasks: x.tasks, sortByPopcount: x.sortByPopcount, topK: x.k };
        const table = asScored(await scoreCandidates(x.index, x.left, x.right, x.floor, tuning), false);
        const perPass = asScored(
          await scoreCandidates(x.index, x.left, x.right, x.floor, { ...tuning, topKTable: false }),
          false,
        );
        const all = asScored(
          await scoreCandidates(x.index, x.left, x.right, x.floor, { ...tuning, topK: undefined }),
          true,
        );
        expect(table).toEqual(bruteForce(x.index, x.left, x.right, x.floor, x.k));
        expect(perPass).toEqual(table);
        const cut = cutToK(all, x.k);
        expect(table.pairs).toEqual(cut.pairs);
        expect(table.stats.candidatePairs).toBe(all.stats.candidatePairs);
        expect(table.stats.comparisons).toBe(all.stats.comparisons);
        tied += cut.tiedCuts;
      }),
      { numRuns: 300 },
    );
    // Rows whose k-th and (k+1)-th candidates score the same: the property must meet many.
    expect(tied).toBeGreaterThan(1000);
  });

  it('gives the same candidates on 0 and 2 workers, with many tasks merging into the same rows', async () => {
    for (const selfLink of [false, true]) {
      const n = 600;
      const arena = new WasmArena();
      // Eight filters repeated: every row ties with dozens of partners at each score.
      const base = Array.from({ length: 8 }, (_, f) =>
        new Uint8Array(16).map((_, b) => (f * 37 + b * b * 13) & (f % 2 === 0 ? 0x5f : 0xf3)),
      );
      const bytes = (offset: number) => Array.from({ length: n }, (_, r) => base[(r * 5 + offset) % 8]!);
      const left = FilterStore.fromBytes(bytes(0), { allocator: arena });
      const right = selfLink ? left : FilterStore.fromBytes(bytes(3), { allocator: arena });
      const ids = [0, 1, 2, 3].map((p) => Int32Array.from({ length: n }, (_, r) => ((r * (p + 2)) >> 2) % 7));
      const idx = index(ids, ids, 7, selfLink, { left: n, right: n });
      const runs = [];
      for (const workers of [0, 2])
        runs.push(
          asScored(await scoreCandidates(idx, left, right, 0.3, { workers, tasks: 24, topK: 2 }), false),
        );
      expect(runs[0]!.stats.kept).toBeGreaterThan(n);
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[0]).toEqual(bruteForce(idx, left, right, 0.3, 2));
    }
  });

  it('carries a row over several kernel calls, and fills a call with more rows than it has segments', async () => {
    const arena = new WasmArena();
    const base = [0x0f, 0x3c, 0xf0, 0x33].map((v) => new Uint8Array(8).fill(v));
    // One block of 3 left rows × (pairsPerCall + 500) right rows, and one of many left rows × 3.
    const wide = KERNEL_TUNING.pairsPerCall + 500;
    const tall = KERNEL_TUNING.segmentsPerCall + 300;
    const left = FilterStore.fromBytes(
      Array.from({ length: 3 + tall }, (_, r) => base[r % 4]!),
      { allocator: arena },
    );
    const right = FilterStore.fromBytes(
      Array.from({ length: wide + 3 }, (_, r) => base[(r * 3) % 4]!),
      { allocator: arena },
    );
    const leftIds = Int32Array.from({ length: left.count }, (_, r) => (r < 3 ? 0 : 1));
    const rightIds = Int32Array.from({ length: right.count }, (_, r) => (r < wide ? 0 : 1));
    const idx = index([leftIds], [rightIds], 2, false, { left: left.count, right: right.count });
    const expected = bruteForce(idx, left, right, 0.25, 2);
    for (const topKTable of [true, false]) {
      const r = await scoreCandidates(idx, left, right, 0.25, { workers: 0, topK: 2, topKTable });
      expect(asScored(r, false)).toEqual(expected);
    }
  });

  it('reuses a table on the same memory for a run of another size, starting empty', async () => {
    const arena = new WasmArena();
    const filters = (n: number, seed: number) =>
      Array.from({ length: n }, (_, r) => new Uint8Array(8).map((_, b) => ((r + seed) * 29 + b * 7) & 0x7e));
    for (const [n, k] of [
      [50, 3],
      [20, 1],
      [80, 2],
      [20, 3],
    ] as const) {
      const left = FilterStore.fromBytes(filters(n, n), { allocator: arena });
      const right = FilterStore.fromBytes(filters(n, 2 * n), { allocator: arena });
      const ids = [Int32Array.from({ length: n }, (_, r) => r % 3)];
      const idx = index(ids, ids, 3, false, { left: n, right: n });
      const r = await scoreCandidates(idx, left, right, 0.2, { workers: 0, topK: k });
      expect(asScored(r, false)).toEqual(bruteForce(idx, left, right, 0.2, k));
    }
  });

  it('orders rows longer than the read-out insertion sort handles (large k)', async () => {
    const arena = new WasmArena();
    const filters = (n: number, seed: number) =>
      Array.from({ length: n }, (_, r) => new Uint8Array(16).map((_, b) => ((r % 9) * seed + b * 11) & 0x6d));
    const left = FilterStore.fromBytes(filters(6, 7), { allocator: arena });
    const right = FilterStore.fromBytes(filters(150, 13), { allocator: arena });
    const ids = [Int32Array.from({ length: 6 }, () => 0)];
    const rightIds = [Int32Array.from({ length: 150 }, () => 0)];
    const idx = index(ids, rightIds, 1, false, { left: 6, right: 150 });
    const r = await scoreCandidates(idx, left, right, 0, { workers: 0, topK: 60 });
    expect(r.stats.kept).toBe(6 * 60);
    expect(asScored(r, false)).toEqual(bruteForce(idx, left, right, 0, 60));
  });

  it('relies on counts and popcount sums fitting 16 bits and their products 32', () => {
    // The kernel packs c and |a|+|b| in 16 bits each and compares c1·s2 with c2·s1 as Uint32.
    expect(KERNEL_LIMITS.maxFilterBits).toBeLessThanOrEqual(2 ** 14);
  });
});
