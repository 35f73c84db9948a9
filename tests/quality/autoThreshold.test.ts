import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { CandidateBuffer } from '../../src/matching/kernel/index.js';
import { chooseThreshold, estimateAt, NO_RUNNER_UP, runnerUps } from '../../src/matching/threshold/index.js';
import { realAt, type SyntheticSpec, synthetic } from './synthetic.js';

const BASE: SyntheticSpec = {
  seed: 1,
  matches: 1200,
  unmatched: 3800,
  nullMean: 0.6,
  nullSd: 0.05,
  matchSd: 0.1,
  exact: 0.6,
  floor: 0.5,
};

describe('chooseThreshold', () => {
  it('separates two components and estimates precision and recall within 0.03', () => {
    const x = synthetic(BASE);
    const c = chooseThreshold(x.input);
    const real = realAt(x, c.threshold);
    expect(c.method).toBe('null-mixture');
    expect(c.threshold).toBeGreaterThan(0.7);
    expect(c.threshold).toBeLessThan(0.85);
    expect(real.f1).toBeGreaterThan(0.97);
    expect(Math.abs(c.estimatedPrecision - real.precision)).toBeLessThan(0.03);
    expect(Math.abs(c.estimatedRecall - real.recall)).toBeLessThan(0.03);
  });

  it('keeps every link when every record is linked and nothing looks like a non-match', () => {
    // FEBRL-like: all records have a partner, some partners score inside the null's range.
    const x = synthetic({ ...BASE, unmatched: 0, matchSd: 0.15, exact: 0.1 });
    const c = chooseThreshold(x.input);
    expect(c.threshold).toBe(0.5);
    expect(c.model.nullScale).toBe(0);
    expect(realAt(x, c.threshold).recall).toBe(1);
    expect(c.estimatedPrecision).toBe(1);
    expect(c.estimatedRecall).toBe(1);
  });

  it('admits a poor result when nothing matches: low estimated precision, few links kept', () => {
    const x = synthetic({ ...BASE, matches: 0, unmatched: 2000 });
    const c = chooseThreshold(x.input);
    expect(c.estimatedPrecision).toBeLessThan(0.6);
    expect(estimateAt(c.model, c.threshold).links).toBeLessThan(0.1 * x.input.length);
  });

  it('is deterministic and does not depend on the order of the links', () => {
    const x = synthetic(BASE);
    const a = chooseThreshold(x.input);
    const n = x.input.length;
    const rev = (v: Float64Array) => Float64Array.from(v.subarray(0, n)).reverse();
    const b = chooseThreshold({
      ...x.input,
      scores: rev(x.input.scores),
      leftRunnerUp: rev(x.input.leftRunnerUp),
      rightRunnerUp: rev(x.input.rightRunnerUp),
    });
    expect(b.threshold).toBe(a.threshold);
    expect(b.estimatedPrecision).toBe(a.estimatedPrecision);
    expect(b.estimatedRecall).toBe(a.estimatedRecall);
  });

  it('estimates stay close to the truth over many separated mixtures', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 300, max: 3000 }),
        fc.integer({ min: 200, max: 6000 }),
        fc.double({ min: 0.5, max: 0.62, noNaN: true }),
        fc.double({ min: 0.3, max: 0.9, noNaN: true }),
        (seed, matches, unmatched, nullMean, exact) => {
          const x = synthetic({
            ...BASE,
            seed,
            matches,
            unmatched,
            nullMean,
            nullSd: 0.04,
            matchSd: 0.08,
            exact,
          });
          const c = chooseThreshold(x.input);
          const real = realAt(x, c.threshold);
          expect(real.f1).toBeGreaterThan(0.95);
          expect(Math.abs(c.estimatedPrecision - real.precision)).toBeLessThan(0.05);
          expect(Math.abs(c.estimatedRecall - real.recall)).toBeLessThan(0.05);
        },
      ),
      { numRuns: 30, seed: 20261125 },
    );
  });

  it('estimateAt is monotone: raising the threshold never adds links or true links', () => {
    const c = chooseThreshold(synthetic(BASE).input);
    let prev = estimateAt(c.model, 0.5);
    for (let t = 0.51; t <= 1; t += 0.01) {
      const e = estimateAt(c.model, t);
      expect(e.links).toBeLessThanOrEqual(prev.links);
      expect(e.truePositives).toBeLessThanOrEqual(prev.truePositives + 1e-9);
      expect(e.falsePositives).toBeGreaterThanOrEqual(-1e-9);
      prev = e;
    }
  });

  it('handles a million links well under a second', () => {
    // Not a timing assertion: a size smoke test (the work is one pass plus fixed-size grids).
    const x = synthetic({ ...BASE, matches: 300_000, unmatched: 700_000 });
    expect(chooseThreshold(x.input).threshold).toBeGreaterThan(0.7);
  });

  it('refuses inconsistent input, naming the field', () => {
    const x = synthetic({ ...BASE, matches: 10, unmatched: 10 });
    const bad = (over: object) => {
      try {
        chooseThreshold({ ...x.input, ...over });
      } catch (e) {
        expect(e).toBeInstanceOf(CohortlinkError);
        return (e as CohortlinkError).issues.map((i) => i.path).join(' ');
      }
      throw new Error('accepted');
    };
    expect(bad({ length: x.input.length + 1 })).toContain('$.scores');
    expect(bad({ floor: 1.5 })).toContain('$.floor');
    expect(bad({ leftCount: 3 })).toContain('$.length');
    const scores = Float64Array.from(x.input.scores);
    scores[2] = 0.1;
    expect(bad({ scores })).toContain('$.scores[2]');
  });
});

describe('runnerUps', () => {
  it('gives each link end its best other candidate', () => {
    const c = new CandidateBuffer();
    // a0-b0 0.9 (link), a0-b1 0.7, a1-b0 0.6, a1-b1 0.8 (link), a2-b2 0.5 (link, no rivals)
    for (const [a, b, s] of [
      [0, 0, 0.9],
      [0, 1, 0.7],
      [1, 0, 0.6],
      [1, 1, 0.8],
      [2, 2, 0.5],
    ] as const)
      c.push(a, b, s);
    const links = { left: Uint32Array.of(0, 1, 2), right: Uint32Array.of(0, 1, 2), length: 3 };
    const r = runnerUps(c, links, 3, 3);
    expect([...r.left]).toEqual([0.7, 0.6, NO_RUNNER_UP]);
    expect([...r.right]).toEqual([0.6, 0.7, NO_RUNNER_UP]);
  });
});
