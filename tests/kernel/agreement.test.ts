import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DiceKernel, referenceKernel, selectKernel } from '../../src/matching/kernel/index.js';
import { build, caseArb, run } from './arbitraries.js';

/** The reference's pairs, each A row sorted best first (higher score, then lower j) and cut to k. */
function topKOfReference(full: ReturnType<typeof run>, k: number): ReturnType<typeof run> {
  const rows = new Map<number, number[]>();
  full.a.forEach((i, n) => {
    rows.set(i, [...(rows.get(i) ?? []), n]);
  });
  const out = { compared: full.compared, a: [] as number[], b: [] as number[], score: [] as number[] };
  for (const [i, idx] of [...rows].sort((x, y) => x[0] - y[0])) {
    idx.sort((p, q) => full.score[q]! - full.score[p]! || full.b[p]! - full.b[q]!);
    for (const n of idx.slice(0, k)) {
      out.a.push(i);
      out.b.push(full.b[n]!);
      out.score.push(full.score[n]!);
    }
  }
  return out;
}

describe.each(['ts', 'wasm'] as const)('the %s kernel', (name) => {
  const kernel = selectKernel(name);

  it('finds exactly the pairs, scores and comparison count of the reference', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const x = build(c);
        expect(run(kernel, x)).toEqual(run(referenceKernel, x));
      }),
      { numRuns: 250 },
    );
  });

  it('keeps the same top-k per row as sorting the reference’s pairs', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 6 }), (c, k) => {
        const x = build(c);
        const expected = topKOfReference(run(referenceKernel, x), k);
        expect(run(kernel, x, k)).toEqual(expected);
        expect(run(referenceKernel, x, k)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

/** The smallest double above x: a kernel run at nextUp(t) is one that tests "score > t". */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0]! += 1n;
  return f[0]!;
}

describe('the agreement properties can fail', () => {
  const ts = selectKernel('ts');
  const agrees = (kernel: DiceKernel, topK?: number) =>
    fc.check(
      fc.property(caseArb, (c) => {
        const x = build(c);
        expect(run(kernel, x, topK)).toEqual(run(referenceKernel, x, topK));
      }),
      { numRuns: 300, seed: 20261125 },
    );

  it('catches a kernel that drops pairs exactly at the threshold', () => {
    const strict: DiceKernel = {
      ...ts,
      compare: (A, a0, a1, B, b0, b1, t, out, o) =>
        ts.compare(A, a0, a1, B, b0, b1, t < 1 ? nextUp(t) : t, out, o),
    };
    expect(agrees(strict).failed).toBe(true);
  });

  it('catches a top-k that breaks ties by the higher B index', () => {
    const reversed: DiceKernel = {
      ...referenceKernel,
      compare(A, a0, a1, B, b0, b1, t, out, o) {
        const n0 = out.length;
        const compared = referenceKernel.compare(A, a0, a1, B, b0, b1, t, out, o);
        // Reverse each run of equal scores within a row: ties now favour the higher j.
        for (let s = n0; s < out.length; ) {
          let e = s + 1;
          while (e < out.length && out.aIndex[e] === out.aIndex[s] && out.score[e] === out.score[s]) e++;
          out.bIndex.subarray(s, e).reverse();
          s = e;
        }
        return compared;
      },
    };
    expect(agrees(reversed, 3).failed).toBe(true);
  });
});
