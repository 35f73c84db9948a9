import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import {
  CandidateBuffer,
  FilterStore,
  KERNEL_LIMITS,
  referenceKernel,
  selectKernel,
  WasmArena,
} from '../../src/matching/kernel/index.js';
import { buildFilters, run } from './arbitraries.js';

function usageError(f: () => unknown): CohortlinkError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CohortlinkError);
    expect((e as CohortlinkError).code).toBe('CL_USAGE');
    return e as CohortlinkError;
  }
  throw new Error('expected a CL_USAGE error');
}

const bits = 128;
const specs = Array.from({ length: 20 }, (_, n) => ({ kind: 'random' as const, density: 0.6, seed: n }));
const A = FilterStore.fromBytes(buildFilters(specs.slice(0, 4), bits), { bits });
const B = FilterStore.fromBytes(buildFilters(specs.slice(4), bits), { bits });
const x = { A, B, aStart: 0, aEnd: 4, bStart: 0, bEnd: 16, threshold: 0 };

describe.each(['reference', 'ts', 'wasm'] as const)('the %s kernel refuses or clamps', (name) => {
  const kernel = selectKernel(name);

  it('clamps an absurd k to the pairs a row can have', () => {
    const all = run(kernel, x);
    for (const k of [1e12, Number.POSITIVE_INFINITY, KERNEL_LIMITS.maxTopK + 1]) {
      const top = run(kernel, x, k);
      expect(top.a.length).toBe(all.a.length);
    }
  });

  it('refuses k below 1 or fractional', () => {
    for (const k of [0, -1, Number.NaN, 1.5]) usageError(() => run(kernel, x, k));
  });

  it('refuses thresholds outside [0, 1]', () => {
    for (const t of [-0.01, 1.01, Number.NaN]) usageError(() => run(kernel, { ...x, threshold: t }));
  });

  it('refuses ranges outside the stores and stores of different lengths', () => {
    const out = new CandidateBuffer();
    usageError(() => kernel.compare(A, 0, 5, B, 0, 16, 0.5, out));
    usageError(() => kernel.compare(A, 3, 2, B, 0, 16, 0.5, out));
    usageError(() => kernel.compare(A, 0, 4, B, -1, 16, 0.5, out));
    usageError(() => kernel.compare(A, 0, 4, B, 0, 1.5, 0.5, out));
    const other = FilterStore.allocate(16, 256);
    usageError(() => kernel.compare(A, 0, 4, other, 0, 16, 0.5, out));
    expect(out.length).toBe(0);
  });

  it('compares nothing for empty ranges', () => {
    const out = new CandidateBuffer();
    expect(kernel.compare(A, 2, 2, B, 0, 16, 0, out)).toBe(0);
    expect(kernel.compare(A, 0, 4, B, 7, 7, 0, out)).toBe(0);
    expect(out.length).toBe(0);
  });
});

describe('absurd store sizes are refused before allocating', () => {
  it('lengths that are not positive multiples of 64, or too long', () => {
    for (const b of [0, -64, 100, 63.5, KERNEL_LIMITS.maxFilterBits + 64, 1e9, Number.NaN])
      usageError(() => FilterStore.allocate(1, b));
  });

  it('counts that are negative, fractional or too large', () => {
    for (const n of [-1, 2.5, KERNEL_LIMITS.maxFilters + 1, 1e12])
      usageError(() => FilterStore.allocate(n, 1024));
    // Within the count limit but past the byte limit.
    usageError(() => FilterStore.allocate(KERNEL_LIMITS.maxFilters, 16_384));
  });

  it('a WASM arena past its maximum', () => {
    const arena = new WasmArena({ initialPages: 1, maximumPages: 2 });
    usageError(() => FilterStore.allocate(2_000, 1024, { allocator: arena }));
  });

  it('an unknown kernel name', () => {
    usageError(() => selectKernel('simd' as 'wasm'));
  });

  it('the fast kernels still agree with the reference at the longest accepted length', () => {
    const big = KERNEL_LIMITS.maxFilterBits;
    const s = FilterStore.fromBytes(buildFilters(specs.slice(0, 3), big), { bits: big });
    const y = { A: s, B: s, aStart: 0, aEnd: 3, bStart: 0, bEnd: 3, threshold: 0.5 };
    expect(run(selectKernel('wasm'), y)).toEqual(run(referenceKernel, y));
    expect(run(selectKernel('ts'), y)).toEqual(run(referenceKernel, y));
  });
});
