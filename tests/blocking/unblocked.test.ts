/**
 * "Records in no block": records that share a block with no record of the other dataset in any
 * pass (self-linking: with no other record). Checked against a brute-force count that, for each
 * record, scans every pass for another-side record with the same block id.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPass } from '../../src/blocking/blockPass.js';
import { type BlockingMode, buildBlockIndex, countUnblocked } from '../../src/blocking/buildIndex.js';
import type { BlockIndex, PassKind } from '../../src/blocking/types.js';
import { dataset, randomFilters } from './helpers.js';

type Side = 'left' | 'right';

/** Brute force over the index as the scorer reads it (capped blocks already -1 per record). */
function bruteUnblocked(index: BlockIndex, side: Side): number {
  const n = side === 'left' ? index.leftCount : index.rightCount;
  const m = side === 'left' ? index.rightCount : index.leftCount;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const shares = index.passes.some((pass) => {
      const mine = side === 'left' ? pass.leftBlock : pass.rightBlock;
      const theirs = side === 'left' ? pass.rightBlock : pass.leftBlock;
      if (mine[i]! < 0) return false;
      for (let k = 0; k < m; k++) if ((!index.selfLink || k !== i) && theirs[k] === mine[i]) return true;
      return false;
    });
    if (!shares) count++;
  }
  return count;
}

interface RawPass {
  readonly kind: PassKind;
  readonly leftIds: readonly number[];
  readonly rightIds: readonly number[];
}

interface RawCase {
  readonly selfLink: boolean;
  readonly nL: number;
  readonly nR: number;
  readonly cap: number;
  readonly passes: readonly RawPass[];
}

const BLOCKS = 5;

/** Raw block ids per pass (before capping): a few blocks, some records with no key. */
const rawCaseArb: fc.Arbitrary<RawCase> = fc
  .record({
    selfLink: fc.boolean(),
    nL: fc.integer({ min: 0, max: 10 }),
    nR: fc.integer({ min: 0, max: 10 }),
    passCount: fc.integer({ min: 0, max: 4 }),
    cap: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constant(Number.POSITIVE_INFINITY)),
  })
  .chain(({ selfLink, nL, nR, passCount, cap }) => {
    const ids = (n: number) =>
      fc.array(fc.integer({ min: -1, max: BLOCKS - 1 }), { minLength: n, maxLength: n });
    const pass = fc
      .record({ kind: fc.constantFrom<PassKind>('key', 'lsh'), leftIds: ids(nL), rightIds: ids(nR) })
      .map((p) => (selfLink ? { ...p, rightIds: p.leftIds } : p));
    return fc
      .array(pass, { minLength: passCount, maxLength: passCount })
      .map((passes) => ({ selfLink, nL, nR: selfLink ? nL : nR, cap, passes }));
  });

function indexOf(c: RawCase): BlockIndex {
  return {
    leftCount: c.nL,
    rightCount: c.nR,
    selfLink: c.selfLink,
    passes: c.passes.map((p, k) => {
      const leftIds = Int32Array.from(p.leftIds);
      return buildPass({
        name: `${p.kind}:${k}`,
        kind: p.kind,
        leftIds,
        rightIds: c.selfLink ? leftIds : Int32Array.from(p.rightIds),
        blocks: BLOCKS,
        selfLink: c.selfLink,
        maxBlockPairs: c.cap,
      }).pass;
    }),
  };
}

/**
 * Brute force from the raw ids, restating the capping rule (a block with more pairs than the
 * cap is out of its pass) rather than reading the built index.
 */
function bruteUnblockedRaw(c: RawCase, side: Side): number {
  const capped = c.passes.map((p) =>
    Array.from({ length: BLOCKS }, (_, b) => {
      const l = p.leftIds.filter((x) => x === b).length;
      const r = p.rightIds.filter((x) => x === b).length;
      return (c.selfLink ? (l * (l - 1)) / 2 : l * r) > c.cap;
    }),
  );
  const n = side === 'left' ? c.nL : c.nR;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const shares = c.passes.some((p, k) => {
      const mine = side === 'left' ? p.leftIds : p.rightIds;
      const theirs = side === 'left' ? p.rightIds : p.leftIds;
      const b = mine[i]!;
      return b >= 0 && !capped[k]![b] && theirs.some((x, j) => x === b && (!c.selfLink || j !== i));
    });
    if (!shares) count++;
  }
  return count;
}

describe('countUnblocked', () => {
  it('matches a brute-force count on random indexes, with capped blocks and self-linking', () => {
    fc.assert(
      fc.property(rawCaseArb, (c) => {
        const index = indexOf(c);
        for (const side of ['left', 'right'] as const) {
          const expected = bruteUnblockedRaw(c, side);
          expect(bruteUnblocked(index, side)).toBe(expected);
          expect(countUnblocked(index, side)).toBe(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('counts right records whose key no left record has (not only records with no key)', () => {
    const index = indexOf({
      selfLink: false,
      nL: 2,
      nR: 4,
      cap: Number.POSITIVE_INFINITY,
      passes: [{ kind: 'key', leftIds: [0, 1], rightIds: [0, 2, 2, -1] }],
    });
    expect(countUnblocked(index, 'left')).toBe(1); // left 1: block 1 has no right record
    expect(countUnblocked(index, 'right')).toBe(3); // right 1, 2: block 2 has no left; right 3: no key
  });

  it('under self-linking counts a record alone in its block, not one sharing it', () => {
    const index = indexOf({
      selfLink: true,
      nL: 4,
      nR: 4,
      cap: Number.POSITIVE_INFINITY,
      passes: [{ kind: 'key', leftIds: [0, 0, 1, -1], rightIds: [0, 0, 1, -1] }],
    });
    expect(countUnblocked(index, 'left')).toBe(2);
    expect(countUnblocked(index, 'right')).toBe(2);
  });

  it('counts records of a capped block that no other pass pairs', () => {
    // Block 0 holds 3 × 2 = 6 pairs, over a cap of 5; left 0 and right 0 also share block 1 of pass 2.
    const index = indexOf({
      selfLink: false,
      nL: 3,
      nR: 2,
      cap: 5,
      passes: [
        { kind: 'key', leftIds: [0, 0, 0], rightIds: [0, 0] },
        { kind: 'lsh', leftIds: [1, -1, 2], rightIds: [1, 3] },
      ],
    });
    expect(countUnblocked(index, 'left')).toBe(2);
    expect(countUnblocked(index, 'right')).toBe(1);
  });
});

const keyArb = fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null });
/** A record: two block keys and a filter copied from one of a few bases with a few bits flipped. */
const recordArb = fc.record({
  p1: keyArb,
  p2: keyArb,
  base: fc.integer({ min: 0, max: 2 }),
  flips: fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 3 }),
});
type Row = typeof recordArb extends fc.Arbitrary<infer R> ? R : never;
const rowsArb = fc.array(recordArb, { maxLength: 10 });
const BASES = randomFilters(3, 8, 2026);

function side(name: string, rows: readonly Row[]) {
  const filters = rows.map((r) => {
    const f = BASES[r.base]!.slice();
    for (const bit of r.flips) f[bit >>> 3]! ^= 1 << (bit & 7);
    return f;
  });
  return dataset(name, filters, { p1: rows.map((r) => r.p1), p2: rows.map((r) => r.p2) });
}

describe('buildBlockIndex report of records in no block', () => {
  const modeArb = fc.constantFrom<BlockingMode>('keys', 'lsh', 'keys+lsh', 'all-pairs');
  const capArb = fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined });

  it('matches a brute-force count for linking, in every mode (keyed and LSH passes, capped blocks)', () => {
    // The generator must reach the cases that matter, not only empty or fully blocked indexes.
    const seen = { lshPairs: 0, capped: 0, partlyBlockedRight: 0 };
    fc.assert(
      fc.property(rowsArb, rowsArb, modeArb, capArb, (l, r, mode, maxBlockPairs) => {
        const built = buildBlockIndex(side('L', l), side('R', r), { mode, maxBlockPairs });
        expect(built.report.unblockedLeft).toBe(bruteUnblocked(built.index, 'left'));
        expect(built.report.unblockedRight).toBe(bruteUnblocked(built.index, 'right'));
        const passes = built.report.passes;
        if (passes.some((p) => p.kind === 'lsh' && p.pairs > 0)) seen.lshPairs++;
        if (passes.some((p) => p.cappedBlocks > 0)) seen.capped++;
        if (built.report.unblockedRight > 0 && built.report.unblockedRight < r.length)
          seen.partlyBlockedRight++;
      }),
      { numRuns: 300 },
    );
    expect(seen.lshPairs).toBeGreaterThan(10);
    expect(seen.capped).toBeGreaterThan(10);
    expect(seen.partlyBlockedRight).toBeGreaterThan(10);
  });

  it('matches a brute-force count for deduplication, the same on both sides', () => {
    fc.assert(
      fc.property(rowsArb, modeArb, capArb, (rows, mode, maxBlockPairs) => {
        const built = buildBlockIndex(side('D', rows), 'self', { mode, maxBlockPairs });
        const expected = bruteUnblocked(built.index, 'left');
        expect(built.report.unblockedLeft).toBe(expected);
        expect(built.report.unblockedRight).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
