/**
 * Scoring some left rows again (requery.ts): over the index restricted to those rows, the real
 * block kernel must give exactly those rows' candidates of a full run, at any k; and, with it as
 * the widening step, exactOneToOne must equal reference greedy over every candidate at or above
 * the floor. Inputs are built for ties (copies of a few filters, overlapping passes, k = 1..3).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPass } from '../../src/blocking/blockPass.js';
import type { BlockIndex } from '../../src/blocking/types.js';
import { isCohortlinkError } from '../../src/errors.js';
import { FilterStore, WasmArena } from '../../src/matching/kernel/index.js';
import { scoreCandidates } from '../../src/matching/score/index.js';
import { rescoreRows, restrictLeft } from '../../src/matching/score/requery.js';
import { exactOneToOne } from '../../src/matching/solve/exactOneToOne.js';
import { type Links, oneToOne, reference } from '../../src/matching/solve/index.js';
import { buildFilters, filterSpecArb } from '../kernel/arbitraries.js';
import { asScored } from './helpers.js';

const tieSpec = filterSpecArb({ copy: 8, near: 2, random: 2, empty: 1 }, { min: 0.1, max: 0.6 }, 2);

const caseArb = fc
  .record({
    bits: fc.constantFrom(64, 128),
    left: fc.array(tieSpec, { minLength: 1, maxLength: 40, size: 'max' }),
    right: fc.array(tieSpec, { minLength: 1, maxLength: 40, size: 'max' }),
    passes: fc.integer({ min: 1, max: 3 }),
    blocks: fc.integer({ min: 1, max: 3 }),
    keySeed: fc.array(fc.integer({ min: -1, max: 3 }), { minLength: 97, maxLength: 97 }),
    floor: fc.constantFrom(0, 0.25, 0.5, 2 / 3),
    k: fc.integer({ min: 1, max: 3 }),
    chosen: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
  })
  .map((c) => {
    const arena = new WasmArena();
    const leftBytes = buildFilters(c.left, c.bits);
    const left = FilterStore.fromBytes(leftBytes, { bits: c.bits, allocator: arena });
    const right = FilterStore.fromBytes(buildFilters(c.right, c.bits, leftBytes), {
      bits: c.bits,
      allocator: arena,
    });
    const key = (p: number, side: number, r: number) => {
      const v = c.keySeed[(p * 41 + side * 23 + r * 5) % 97]!;
      return v < 0 ? -1 : v % c.blocks;
    };
    const passes = Array.from(
      { length: c.passes },
      (_, p) =>
        buildPass({
          name: `p${p}`,
          kind: 'key',
          leftIds: Int32Array.from({ length: left.count }, (_, r) => key(p, 0, r)),
          rightIds: Int32Array.from({ length: right.count }, (_, r) => key(p, 1, r)),
          blocks: c.blocks,
          selfLink: false,
          maxBlockPairs: 1e9,
        }).pass,
    );
    const index: BlockIndex = { leftCount: left.count, rightCount: right.count, selfLink: false, passes };
    const rows = Uint32Array.from(Array.from({ length: left.count }, (_, r) => r).filter((r) => c.chosen[r]));
    return { ...c, left, right, index, rows };
  });

const linkOf = (l: Links) => Array.from(l.left, (a, n) => `${a}~${l.right[n]} ${l.score[n]}`);

describe('rescoreRows', () => {
  it("gives exactly the chosen rows' candidates of a full run, at any k and with no k", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.constantFrom(1, 2, 5, undefined), async (x, k) => {
        const options = { workers: 0, ...(k !== undefined ? { topK: k } : {}) };
        const full = asScored(await scoreCandidates(x.index, x.left, x.right, x.floor, options), false);
        const some = await rescoreRows(x.index, x.left, x.right, x.floor, x.rows, options);
        const chosen = new Set(x.rows);
        const expected = full.pairs.filter((line) => chosen.has(Number(line.split(' ')[0])));
        // Without top-k the full run orders each row by right record; so does the sub-run.
        expect(asScored(some, false).pairs).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('makes exactOneToOne equal reference greedy over every candidate at or above the floor', async () => {
    let truncationLost = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (x) => {
        const o = { leftCount: x.left.count, rightCount: x.right.count, threshold: x.floor };
        const first = await scoreCandidates(x.index, x.left, x.right, x.floor, { workers: 0, topK: x.k });
        const all = await scoreCandidates(x.index, x.left, x.right, x.floor, { workers: 0 });
        const r = await exactOneToOne(first.candidates, {
          ...o,
          topK: x.k,
          maxTopK: 8,
          widen: async (rows, k) =>
            (
              await rescoreRows(x.index, x.left, x.right, x.floor, rows, {
                workers: 0,
                ...(k !== undefined ? { topK: k } : {}),
              })
            ).candidates,
        });
        const truth = reference.oneToOne(all.candidates, o);
        expect(linkOf(r.links)).toEqual(linkOf(truth));
        if (linkOf(oneToOne(first.candidates, o)).join() !== linkOf(truth).join()) truncationLost++;
      }),
      { numRuns: 200 },
    );
    expect(truncationLost).toBeGreaterThan(10);
  });

  it('leaves the other rows out of every pass and refuses what it cannot restrict', () => {
    const index: BlockIndex = {
      leftCount: 3,
      rightCount: 2,
      selfLink: false,
      passes: [
        buildPass({
          name: 'p',
          kind: 'key',
          leftIds: Int32Array.of(0, 1, 0),
          rightIds: Int32Array.of(0, 1),
          blocks: 2,
          selfLink: false,
          maxBlockPairs: 1e9,
        }).pass,
      ],
    };
    const sub = restrictLeft(index, Uint32Array.of(2));
    const p = sub.passes[0]!;
    expect([...p.leftBlock]).toEqual([-1, -1, 0]);
    expect([...p.leftOffsets]).toEqual([0, 1, 1]);
    expect([...p.leftMembers]).toEqual([2]);
    expect(p.rightMembers).toBe(index.passes[0]!.rightMembers);
    const code = (f: () => unknown) => {
      try {
        f();
        return 'none';
      } catch (e) {
        return isCohortlinkError(e) ? e.code : String(e);
      }
    };
    expect(code(() => restrictLeft(index, Uint32Array.of(1, 0)))).toBe('CL_INTERNAL');
    expect(code(() => restrictLeft(index, Uint32Array.of(3)))).toBe('CL_INTERNAL');
    expect(code(() => restrictLeft({ ...index, selfLink: true }, Uint32Array.of(0)))).toBe('CL_INTERNAL');
  });
});
