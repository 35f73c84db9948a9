import { describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { chooseThreshold } from '../../src/matching/threshold/index.js';
import { mulberry32, type Synthetic } from './synthetic.js';

/**
 * The shape of a large many-to-one run (hospital records to a population spine, 1 M × 1 M):
 * every left record links to its best right record, so every unmatched record (5%) makes a false
 * link at its best non-match, whose tail reaches far into the matches' lower range (large
 * blocks: common surname and birth year); a second copy of a person (1%) is an exact right-end
 * runner-up of its first copy's link. Deterministic.
 */
interface ManyToOneSpec {
  readonly seed: number;
  readonly matches: number;
  readonly unmatched: number;
  readonly duplicates: number;
  readonly floor: number;
}

type ManyToOne = Synthetic;

function manyToOne(s: ManyToOneSpec): ManyToOne {
  const rnd = mulberry32(s.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const clip = (x: number) => Math.min(1, Math.max(0, x));
  // A record's best non-match: two modes (0.63 and 0.74) with a tail to ~0.85.
  const nullDraw = () => clip(rnd() < 0.6 ? 0.63 + 0.025 * normal() : 0.74 + 0.03 * normal());
  // A match: 60% exact, most of the rest high, a few badly corrupted ones down in the null.
  const matchDraw = () => {
    const u = rnd();
    if (u < 0.6) return 1;
    if (u < 0.97) return clip(1 - Math.abs(0.08 * normal()));
    return clip(0.75 + 0.06 * normal());
  };
  const n = s.matches + s.duplicates + s.unmatched;
  const scores = new Float64Array(n);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  const isMatch = new Uint8Array(n);
  let k = 0;
  let matches = 0;
  for (let i = 0; i < s.matches + s.duplicates; i++) {
    const m = matchDraw();
    const b = nullDraw();
    const score = Math.max(m, b);
    if (m >= s.floor) matches++;
    if (score < s.floor) continue;
    scores[k] = score;
    left[k] = Math.min(m, b);
    // A first copy whose second copy is on the left too: that copy is the right end's runner-up.
    right[k] = i < s.duplicates ? 1 : nullDraw();
    isMatch[k++] = m >= b ? 1 : 0;
  }
  for (let i = 0; i < s.unmatched; i++) {
    const b = nullDraw();
    if (b < s.floor) continue;
    scores[k] = b;
    left[k] = b - 0.03 * rnd();
    right[k] = nullDraw();
    k++;
  }
  return {
    input: {
      scores: scores.subarray(0, k),
      leftRunnerUp: left.subarray(0, k),
      rightRunnerUp: right.subarray(0, k),
      length: k,
      floor: s.floor,
      leftCount: n,
      rightCount: s.matches + Math.round(0.2 * s.unmatched),
      solution: 'many-to-one',
    },
    isMatch: isMatch.subarray(0, k),
    matches,
  };
}

function realOf(x: ManyToOne, t: number): { precision: number; recall: number; f1: number } {
  let links = 0;
  let tp = 0;
  for (let i = 0; i < x.input.length; i++)
    if (x.input.scores[i]! >= t) {
      links++;
      tp += x.isMatch[i]!;
    }
  return {
    precision: links > 0 ? tp / links : 1,
    recall: tp / x.matches,
    f1: (2 * tp) / (links + x.matches),
  };
}

function bestF1(x: ManyToOne): number {
  let best = 0;
  for (let t = 0.5; t <= 1; t += 0.001) best = Math.max(best, realOf(x, t).f1);
  return best;
}

const SPEC: ManyToOneSpec = { seed: 7, matches: 95_000, unmatched: 5_000, duplicates: 1_000, floor: 0.5 };

describe('chooseThreshold on many-to-one links', () => {
  it('fits the null from left runner-ups only and estimates within 0.03', () => {
    const x = manyToOne(SPEC);
    const c = chooseThreshold(x.input);
    const real = realOf(x, c.threshold);
    expect(c.method).toBe('null-mixture');
    expect(real.f1).toBeGreaterThan(bestF1(x) - 0.002);
    expect(Math.abs(c.estimatedPrecision - real.precision)).toBeLessThan(0.03);
    expect(Math.abs(c.estimatedRecall - real.recall)).toBeLessThan(0.03);
    // The exact right-end runner-ups (second copies) do not reach the null.
    expect(c.model.nullSample).toBe(c.model.confidentLinks);
    expect(c.model.confidentLinks).toBeLessThan(x.input.length);
  });

  it('holds over seeds and unmatched shares', () => {
    for (const [seed, unmatched] of [
      [1, 2_000],
      [2, 5_000],
      [3, 10_000],
    ] as const) {
      const x = manyToOne({ ...SPEC, seed, unmatched });
      const c = chooseThreshold(x.input);
      const real = realOf(x, c.threshold);
      expect(real.f1).toBeGreaterThan(bestF1(x) - 0.003);
      expect(Math.abs(c.estimatedPrecision - real.precision)).toBeLessThan(0.03);
      expect(Math.abs(c.estimatedRecall - real.recall)).toBeLessThan(0.03);
    }
  });

  it('accepts more links than right records, but not more than left records', () => {
    const x = manyToOne({ ...SPEC, matches: 200, unmatched: 100, duplicates: 10 });
    expect(x.input.length).toBeGreaterThan(x.input.rightCount);
    expect(() => chooseThreshold(x.input)).not.toThrow();
    expect(() => chooseThreshold({ ...x.input, solution: 'one-to-one' })).toThrow(CohortlinkError);
    try {
      chooseThreshold({ ...x.input, leftCount: x.input.length - 1 });
      throw new Error('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(CohortlinkError);
      expect((e as CohortlinkError).issues.map((i) => i.path)).toContain('$.length');
    }
  });
});
