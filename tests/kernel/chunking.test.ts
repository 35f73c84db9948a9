/**
 * Ranges large enough to cross the kernels' internal limits: a B range longer than one WASM
 * call (KERNEL_TUNING.pairsPerCall) and one TS segment, and more A rows than segments per call.
 */
import { describe, expect, it } from 'vitest';
import {
  FilterStore,
  KERNEL_TUNING,
  referenceKernel,
  selectKernel,
  sortByPopcount,
} from '../../src/matching/kernel/index.js';
import { buildFilters, run } from './arbitraries.js';

function store(n: number, seed: number, bits = 64): FilterStore {
  const specs = Array.from({ length: n }, (_, i) => ({
    kind: 'random' as const,
    density: ((i * 37) % 100) / 100,
    seed: seed + i,
  }));
  return FilterStore.fromBytes(buildFilters(specs, bits), { bits });
}

describe('kernels across call and segment boundaries', () => {
  const longB = store(KERNEL_TUNING.pairsPerCall + 4_464, 1);
  const fewA = store(3, 99);

  it('a B range longer than one call: every pair at threshold 0', () => {
    const x = { A: fewA, B: longB, aStart: 0, aEnd: 3, bStart: 0, bEnd: longB.count, threshold: 0 };
    const expected = run(referenceKernel, x);
    expect(expected.a.length).toBe(3 * longB.count);
    expect(expected.compared).toBe(3 * longB.count);
    expect(run(selectKernel('wasm'), x)).toEqual(expected);
    expect(run(selectKernel('ts'), x)).toEqual(expected);
  });

  it('top-k of a row split over several calls, B sorted and unsorted', () => {
    for (const B of [longB, sortByPopcount(longB).store]) {
      const x = { A: fewA, B, aStart: 0, aEnd: 3, bStart: 5, bEnd: B.count - 5, threshold: 0.3 };
      const expected = run(referenceKernel, x, 7);
      expect(expected.a.length).toBe(14); // 7 each for the two A rows that are not empty
      expect(run(selectKernel('wasm'), x, 7)).toEqual(expected);
      expect(run(selectKernel('ts'), x, 7)).toEqual(expected);
    }
  });

  it('more A rows than segments in one call', () => {
    const manyA = store(KERNEL_TUNING.segmentsPerCall + 905, 7);
    const fewB = store(3, 11);
    const x = { A: manyA, B: fewB, aStart: 0, aEnd: manyA.count, bStart: 0, bEnd: 3, threshold: 0.5 };
    const expected = run(referenceKernel, x);
    expect(expected.a.length).toBeGreaterThan(1000);
    expect(run(selectKernel('wasm'), x)).toEqual(expected);
    expect(run(selectKernel('ts'), x)).toEqual(expected);
  });

  it('1024-bit filters read from outside the WASM memory are copied in per call', () => {
    const A = store(17, 3, 1024);
    const B = sortByPopcount(store(301, 5, 1024)).store;
    const x = { A, B, aStart: 2, aEnd: 15, bStart: 10, bEnd: 290, threshold: 0.45 };
    expect(run(selectKernel('wasm'), x)).toEqual(run(referenceKernel, x));
  });
});
