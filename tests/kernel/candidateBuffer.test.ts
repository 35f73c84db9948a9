import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import {
  CandidateBuffer,
  FilterStore,
  referenceKernel,
  selectKernel,
} from '../../src/matching/kernel/index.js';
import { buildFilters, run } from './arbitraries.js';

describe('CandidateBuffer', () => {
  it('grows past its initial capacity, doubling, and keeps every entry', () => {
    const out = new CandidateBuffer(1);
    const capacities = new Set<number>();
    for (let n = 0; n < 10_000; n++) {
      out.push(n, 3 * n, n / 10_000);
      capacities.add(out.capacity);
    }
    expect(out.length).toBe(10_000);
    expect(out.capacity).toBe(16_384);
    expect(capacities.size).toBe(15); // 1, 2, 4, … 16384: O(log n) allocations
    for (let n = 0; n < 10_000; n += 997) {
      expect(out.aIndex[n]).toBe(n);
      expect(out.bIndex[n]).toBe(3 * n);
      expect(out.score[n]).toBe(n / 10_000);
    }
  });

  it('receives every kernel’s output past its initial capacity, appending after what it holds', () => {
    const bits = 128;
    const specs = Array.from({ length: 31 }, (_, n) => ({ kind: 'random' as const, density: 0.5, seed: n }));
    const A = FilterStore.fromBytes(buildFilters(specs.slice(0, 9), bits), { bits });
    const B = FilterStore.fromBytes(buildFilters(specs.slice(9), bits), { bits });
    const x = { A, B, aStart: 0, aEnd: 9, bStart: 0, bEnd: 22, threshold: 0 };
    const expected = run(referenceKernel, x, undefined, 1);
    expect(expected.a.length).toBe(9 * 22);
    for (const name of ['ts', 'wasm'] as const) {
      expect(run(selectKernel(name), x, undefined, 1)).toEqual(expected);
      const out = new CandidateBuffer(2);
      out.push(7, 7, 0.5);
      selectKernel(name).compare(A, 0, 9, B, 0, 22, 0, out);
      expect(out.length).toBe(1 + 9 * 22);
      expect([out.aIndex[0], out.bIndex[0], out.score[0]]).toEqual([7, 7, 0.5]);
      expect(Array.from(out.bIndex.subarray(1, out.length))).toEqual(expected.b);
    }
  });

  it('refuses to grow past its maximum, with a typed error', () => {
    const out = new CandidateBuffer(2, 8);
    for (let n = 0; n < 8; n++) out.push(n, n, 1);
    expect(() => out.push(8, 8, 1)).toThrow(CohortlinkError);
    expect(out.length).toBe(8);
  });

  it('clamps absurd capacities instead of allocating them', () => {
    expect(new CandidateBuffer(1e15).capacity).toBeLessThanOrEqual(1 << 26);
    expect(new CandidateBuffer(Number.NaN).capacity).toBe(1);
    expect(new CandidateBuffer(-5).capacity).toBe(1);
    expect(new CandidateBuffer(100, 10).capacity).toBe(10);
  });
});
