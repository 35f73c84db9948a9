/**
 * The pair-list form of the three Dice kernels: one A row against a list of B rows. The WASM
 * and TS kernels must report exactly the reference's pairs, scores and comparison count, on
 * every filter length (including 1088 bits, which takes the WASM `any` path), empty and full
 * filters, and lists that are unsorted and repeat rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import {
  CandidateBuffer,
  type DiceKernel,
  FilterStore,
  KERNEL_TUNING,
  type PairListBatch,
  referenceKernel,
  selectKernel,
} from '../../src/matching/kernel/index.js';
import { allocatorOf, buildFilters, caseArb, type Placement } from '../kernel/arbitraries.js';

const BITS = [64, 512, 1024, 2048, 1088, 192] as const;

interface ListCase {
  bits: number;
  a: Parameters<typeof buildFilters>[0];
  b: Parameters<typeof buildFilters>[0];
  placeA: Placement;
  placeB: Placement;
  /** Segments as (row, entries) with indices taken modulo the store sizes. */
  segments: { row: number; entries: number[] }[];
  threshold: number;
}

const segmentArb = fc.record({
  row: fc.nat(),
  // Small naturals so entries repeat often; shuffled by construction (no sorting anywhere).
  entries: fc.array(fc.nat({ max: 40 }), { maxLength: 30 }),
});

const listCaseArb: fc.Arbitrary<ListCase> = fc
  .record({
    base: caseArb,
    bits: fc.constantFrom(...BITS),
    segments: fc.array(segmentArb, { maxLength: 12 }),
    // Runs of one A row split over consecutive segments, as a caller batching a long row does.
    repeatRow: fc.boolean(),
    threshold: fc.oneof(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom(0, 1, 0.5, 0.8, 2 / 3, 0.9),
    ),
  })
  .map(({ base, bits, segments, repeatRow, threshold }) => ({
    bits,
    a: base.a.length > 0 ? base.a : [{ kind: 'empty' as const }],
    b: base.b.length > 0 ? base.b : [{ kind: 'full' as const }],
    placeA: base.placeA,
    placeB: base.placeB,
    segments: repeatRow ? segments.map((s, k) => ({ ...s, row: segments[k - (k % 2)]!.row })) : segments,
    threshold,
  }));

interface Built {
  A: FilterStore;
  B: FilterStore;
  batch: PairListBatch;
  threshold: number;
}

function build(c: ListCase): Built {
  const aBytes = buildFilters(c.a, c.bits);
  const bBytes = buildFilters(c.b, c.bits, aBytes);
  const A = FilterStore.fromBytes(aBytes, { bits: c.bits, allocator: allocatorOf(c.placeA) });
  const B = FilterStore.fromBytes(bBytes, { bits: c.bits, allocator: allocatorOf(c.placeB) });
  const rows = new Uint32Array(c.segments.length + 1); // one spare: arrays may be longer than used
  const offsets = new Uint32Array(c.segments.length + 2);
  const list: number[] = [];
  c.segments.forEach((s, k) => {
    rows[k] = s.row % A.count;
    for (const e of s.entries) list.push(e % B.count);
    offsets[k + 1] = list.length;
  });
  const batch = { rows, offsets, segments: c.segments.length, list: Uint32Array.from([...list, 0]) };
  return { A, B, batch, threshold: c.threshold };
}

/** The batch with its segments in A row order (stable), as top-k requires. */
function rowOrder(x: Built): Built {
  const { rows, offsets, list, segments } = x.batch;
  const order = Array.from({ length: segments }, (_, s) => s).sort((p, q) => rows[p]! - rows[q]! || p - q);
  const sortedList: number[] = [];
  const sortedOffsets = new Uint32Array(segments + 1);
  order.forEach((s, k) => {
    for (let o = offsets[s]!; o < offsets[s + 1]!; o++) sortedList.push(list[o]!);
    sortedOffsets[k + 1] = sortedList.length;
  });
  const batch = {
    rows: Uint32Array.from(order, (s) => rows[s]!),
    offsets: sortedOffsets,
    segments,
    list: Uint32Array.from(sortedList),
  };
  return { ...x, batch };
}

function runLists(kernel: DiceKernel, x: Built, topK?: number) {
  const out = new CandidateBuffer(4);
  const compared = kernel.compareLists(x.A, x.B, x.batch, x.threshold, out, { topK });
  return {
    compared,
    a: Array.from(out.aIndex.subarray(0, out.length)),
    b: Array.from(out.bIndex.subarray(0, out.length)),
    score: Array.from(out.score.subarray(0, out.length)),
  };
}

describe.each(['ts', 'wasm'] as const)('the %s pair-list kernel', (name) => {
  const kernel = selectKernel(name);

  it('finds exactly the pairs, scores and comparison count of the reference', () => {
    fc.assert(
      fc.property(listCaseArb, (c) => {
        const x = build(c);
        expect(runLists(kernel, x)).toEqual(runLists(referenceKernel, x));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the same top-k per run of one A row as the reference', () => {
    fc.assert(
      fc.property(listCaseArb, fc.integer({ min: 1, max: 5 }), (c, k) => {
        const x = rowOrder(build(c));
        expect(runLists(kernel, x, k)).toEqual(runLists(referenceKernel, x, k));
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with the range kernel when the list is a range', () => {
    const specs = Array.from({ length: 300 }, (_, i) => ({ kind: 'random' as const, density: 0.3, seed: i }));
    const [A, B] = [specs.slice(0, 20), specs.slice(20)].map((s) =>
      FilterStore.fromBytes(buildFilters(s, 1024), { bits: 1024, allocator: kernel.allocator }),
    ) as [FilterStore, FilterStore];
    const list = Uint32Array.from({ length: B.count }, (_, j) => j);
    const rows = Uint32Array.from({ length: A.count }, (_, i) => i);
    const offsets = Uint32Array.from({ length: A.count + 1 }, () => 0);
    const viaList = new CandidateBuffer();
    const viaRange = new CandidateBuffer();
    let compared = 0;
    for (let i = 0; i < A.count; i++) {
      offsets[1] = B.count;
      compared += kernel.compareLists(
        A,
        B,
        { rows: rows.subarray(i), offsets, segments: 1, list },
        0.3,
        viaList,
      );
    }
    expect(compared).toBe(kernel.compare(A, 0, A.count, B, 0, B.count, 0.3, viaRange));
    expect(viaList.length).toBeGreaterThan(0);
    expect(viaList.bIndex.subarray(0, viaList.length)).toEqual(viaRange.bIndex.subarray(0, viaRange.length));
    expect(viaList.score.subarray(0, viaList.length)).toEqual(viaRange.score.subarray(0, viaRange.length));
  });

  it('refuses a B row outside the store, writing nothing', () => {
    const A = FilterStore.fromBytes([new Uint8Array(64).fill(1)]);
    const B = FilterStore.fromBytes([new Uint8Array(64).fill(1), new Uint8Array(64).fill(3)]);
    const out = new CandidateBuffer();
    const batch = {
      rows: new Uint32Array([0, 0]),
      offsets: new Uint32Array([0, 2, 4]),
      segments: 2,
      list: new Uint32Array([0, 1, 1, 2]),
    };
    expect(() => kernel.compareLists(A, B, batch, 0, out)).toThrow(CohortlinkError);
    expect(() => kernel.compareLists(A, B, batch, 0, out)).toThrow(/list\[3\] = 2/);
    expect(out.length).toBe(0);
    // Even for an A row that can reach the threshold with nothing (empty filter, t > 0).
    const empty = FilterStore.fromBytes([new Uint8Array(64)]);
    expect(() => kernel.compareLists(empty, B, batch, 0.5, out)).toThrow(/outside B rows/);
  });

  it('refuses top-k over segments out of A row order', () => {
    const A = FilterStore.fromBytes([new Uint8Array(8), new Uint8Array(8)]);
    const batch = {
      rows: new Uint32Array([1, 0]),
      offsets: new Uint32Array([0, 1, 2]),
      segments: 2,
      list: new Uint32Array([0, 1]),
    };
    expect(() => kernel.compareLists(A, A, batch, 0, new CandidateBuffer(), { topK: 2 })).toThrow(
      /A row order/,
    );
    expect(kernel.compareLists(A, A, batch, 0, new CandidateBuffer())).toBe(2);
  });

  it('refuses malformed segments', () => {
    const A = FilterStore.fromBytes([new Uint8Array(8)]);
    const list = new Uint32Array([0]);
    const bad = [
      { rows: new Uint32Array([1]), offsets: new Uint32Array([0, 1]), segments: 1, list },
      { rows: new Uint32Array([0, 0]), offsets: new Uint32Array([1, 0, 1]), segments: 2, list },
      { rows: new Uint32Array([0]), offsets: new Uint32Array([0, 2]), segments: 1, list },
      { rows: new Uint32Array([0]), offsets: new Uint32Array([0]), segments: 1, list },
    ];
    for (const batch of bad)
      expect(() => kernel.compareLists(A, A, batch, 0.5, new CandidateBuffer())).toThrow(CohortlinkError);
  });

  it('handles lists longer than one WASM call and more segments than one call holds', () => {
    const specs = Array.from({ length: 64 }, (_, i) => ({
      kind: 'random' as const,
      density: 0.3 + (i % 4) / 10,
      seed: i,
    }));
    const A = FilterStore.fromBytes(buildFilters(specs, 512), { bits: 512 });
    const B = FilterStore.fromBytes(buildFilters(specs, 512), { bits: 512 });
    const segments = KERNEL_TUNING.segmentsPerCall + 77;
    const rows = Uint32Array.from({ length: segments }, (_, s) => Math.floor((s * A.count) / segments));
    const offsets = new Uint32Array(segments + 1);
    // Segment 3 alone is longer than one call; the rest are short.
    for (let s = 0; s < segments; s++)
      offsets[s + 1] = offsets[s]! + (s === 3 ? KERNEL_TUNING.pairsPerCall + 999 : 3);
    const list = Uint32Array.from({ length: offsets[segments]! }, (_, o) => (o * 13) % B.count);
    const x = { A, B, batch: { rows, offsets, segments, list }, threshold: 0.25 };
    const expected = runLists(referenceKernel, x);
    expect(expected.a.length).toBeGreaterThan(KERNEL_TUNING.pairsPerCall / 2);
    expect(runLists(kernel, x)).toEqual(expected);
    expect(runLists(kernel, x, 3)).toEqual(runLists(referenceKernel, x, 3));
  });
});

describe('the pair-list property can fail', () => {
  it('catches a kernel that skips repeated B rows', () => {
    const ts = selectKernel('ts');
    const dedup: DiceKernel = {
      ...ts,
      compareLists: (A, B, batch, t, out, o) => {
        const seen = new Set<string>();
        const list = batch.list.slice();
        const kept: number[] = [];
        const offsets = new Uint32Array(batch.segments + 1);
        for (let s = 0; s < batch.segments; s++) {
          for (let p = batch.offsets[s]!; p < batch.offsets[s + 1]!; p++) {
            const key = `${batch.rows[s]}:${list[p]}`;
            if (!seen.has(key)) kept.push(list[p]!);
            seen.add(key);
          }
          offsets[s + 1] = kept.length;
        }
        return ts.compareLists(A, B, { ...batch, offsets, list: Uint32Array.from(kept) }, t, out, o);
      },
    };
    const r = fc.check(
      fc.property(listCaseArb, (c) => {
        const x = build(c);
        expect(runLists(dedup, x)).toEqual(runLists(referenceKernel, x));
      }),
      { numRuns: 300, seed: 20261125 },
    );
    expect(r.failed).toBe(true);
  });
});
