import { describe, expect, it } from 'vitest';
import { chooseThreshold, estimateAt, intervalsAt } from '../../src/matching/threshold/index.js';
import { mulberry32, realAt, type Synthetic, type SyntheticSpec, synthetic } from './synthetic.js';

/**
 * The intervals reported with the automatic threshold's estimates: they must hold the real
 * precision and recall of the run (about 95 % of the time, as stated), shrink as evidence grows,
 * and never claim certainty that a handful of links cannot give.
 */
const BASE: SyntheticSpec = {
  seed: 1,
  matches: 300,
  unmatched: 700,
  nullMean: 0.6,
  nullSd: 0.05,
  matchSd: 0.1,
  exact: 0.6,
  floor: 0.5,
};

const inside = (x: number, i: { low: number; high: number }) => x >= i.low - 1e-12 && x <= i.high + 1e-12;
const width = (i: { low: number; high: number }) => i.high - i.low;

describe('threshold intervals', () => {
  it('hold the real precision and recall in at least 17 of 20 populations', () => {
    let precisionIn = 0;
    let recallIn = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const x = synthetic({ ...BASE, seed });
      const c = chooseThreshold(x.input);
      const real = realAt(x, c.threshold);
      expect(inside(c.estimatedPrecision, c.precisionInterval)).toBe(true);
      expect(inside(c.estimatedRecall, c.recallInterval)).toBe(true);
      if (inside(real.precision, c.precisionInterval)) precisionIn++;
      if (inside(real.recall, c.recallInterval)) recallIn++;
    }
    expect(precisionIn).toBeGreaterThanOrEqual(17);
    expect(recallIn).toBeGreaterThanOrEqual(17);
  });

  it('narrow as the links grow and widen when they are few', () => {
    const small = chooseThreshold(synthetic({ ...BASE, matches: 60, unmatched: 140 }).input);
    const large = chooseThreshold(synthetic({ ...BASE, matches: 6000, unmatched: 14000 }).input);
    expect(width(small.precisionInterval)).toBeGreaterThan(0);
    expect(width(large.precisionInterval)).toBeLessThan(width(small.precisionInterval));
    expect(width(large.recallInterval)).toBeLessThan(width(small.recallInterval));
    // Still informative with 20,000 records: a few hundredths, not the whole unit interval.
    expect(width(large.precisionInterval)).toBeLessThan(0.03);
    expect(width(large.recallInterval)).toBeLessThan(0.05);
  });

  it('does not claim precision 1 with certainty when links sit where the null does', () => {
    // 40 people, a few without a partner whose best non-match clears the floor.
    const x = synthetic({ ...BASE, matches: 30, unmatched: 10, nullMean: 0.52, nullSd: 0.03 });
    const c = chooseThreshold(x.input);
    const atFloor = estimateAt(c.model, 0.5);
    const i = intervalsAt(c.uncertainty, 0.5, atFloor);
    const realFloor = realAt(x, 0.5);
    expect(realFloor.precision).toBeLessThan(1);
    expect(i.precisionInterval.low).toBeLessThanOrEqual(realFloor.precision);
  });

  it('are reproducible: the same links give the same intervals', () => {
    const x = synthetic(BASE);
    const a = chooseThreshold(x.input);
    const b = chooseThreshold(x.input);
    expect(b.precisionInterval).toEqual(a.precisionInterval);
    expect(b.recallInterval).toEqual(a.recallInterval);
  });
});

/**
 * Many-to-one links whose records without a partner sit lower than the runner-ups say (the
 * runner-ups sample records that have relatives on the spine; a household missing from it has
 * none there): the fit moves the null down, and the unlinked records pin its mass at the floor.
 */
function shiftedManyToOne(seed: number, shift: number): Synthetic & { unlinked: number } {
  const rnd = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  const nullDraw = (d: number) => clip(0.56 + d + 0.04 * normal());
  const matches = 3000;
  const unmatched = 400;
  const n = matches + unmatched;
  const scores = new Float64Array(n);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  const isMatch = new Uint8Array(n);
  let k = 0;
  let seen = 0;
  for (let i = 0; i < matches; i++) {
    let s = 1;
    if (rnd() > 0.5) s = clip(1 - Math.abs(0.12 * normal()));
    const b = nullDraw(0);
    if (Math.max(s, b) < 0.5) continue;
    if (s >= 0.5) seen++;
    scores[k] = Math.max(s, b);
    left[k] = Math.min(s, b);
    right[k] = 0;
    isMatch[k++] = s >= b ? 1 : 0;
  }
  let unlinked = 0;
  for (let i = 0; i < unmatched; i++) {
    const b = nullDraw(shift);
    if (b < 0.5) {
      unlinked++;
      continue;
    }
    scores[k] = b;
    left[k] = b - 0.03 * rnd();
    right[k++] = 0;
  }
  return {
    input: {
      scores: scores.subarray(0, k),
      leftRunnerUp: left.subarray(0, k),
      rightRunnerUp: right.subarray(0, k),
      length: k,
      floor: 0.5,
      leftCount: k + unlinked,
      rightCount: matches,
      solution: 'many-to-one',
    },
    isMatch: isMatch.subarray(0, k),
    matches: seen,
    unlinked,
  };
}

describe('many-to-one null shift', () => {
  it('finds a null that sits lower than the runner-ups and counts its false links', () => {
    for (const seed of [3, 4, 5]) {
      const x = shiftedManyToOne(seed, -0.05);
      const c = chooseThreshold(x.input);
      expect(c.model.nullShift).toBeLessThanOrEqual(-0.03);
      expect(c.model.nullShift).toBeGreaterThanOrEqual(-0.07);
      const real = realAt(x, 0.5);
      const est = estimateAt(c.model, 0.5);
      // False links at the floor: the unmatched records that cleared it.
      const realFalse = x.input.length - real.precision * x.input.length;
      expect(Math.abs(est.falsePositives - realFalse)).toBeLessThan(0.25 * realFalse + 5);
    }
  });

  it('keeps the null where the runner-ups put it when nothing says otherwise', () => {
    const x = shiftedManyToOne(6, 0);
    const c = chooseThreshold(x.input);
    expect(c.model.nullShift).toBeGreaterThanOrEqual(-0.015);
  });
});
