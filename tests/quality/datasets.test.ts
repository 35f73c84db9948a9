import { describe, expect, it } from 'vitest';
import { linkDataset, qualityDatasets } from '../../bench/quality.js';

/**
 * Linkage quality with the automatic threshold on public labelled data nobody here wrote (the
 * FEBRL4 and NCVR tasks in datasets/tasks/, copied into the repository with their provenance).
 * Floors: FEBRL4 F1 ≥ 0.999; NCVR party 0 vs 1 F1 ≥ 0.977 (anonlink's best threshold chosen in
 * hindsight: 0.9784 on this task). The estimated precision and recall must be within 0.03 of the
 * truth, as governance reports will check.
 */
const byName = new Map(qualityDatasets().map((d) => [d.name, d]));
const febrl = byName.get('FEBRL4 4a vs 4b');
const ncvr = byName.get('NCVR party 0 vs 1');

describe('automatic threshold on labelled data', () => {
  it('FEBRL4 4a vs 4b: F1 ≥ 0.999 with honest estimates', () => {
    const r = linkDataset(febrl!);
    expect(r.truePairs).toBe(5000);
    expect(r.real.f1).toBeGreaterThanOrEqual(0.999);
    expect(Math.abs(r.choice.estimatedPrecision - r.real.precision)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(r.choice.estimatedRecall - r.real.recall)).toBeLessThanOrEqual(0.03);
  });

  it('NCVR party 0 vs 1: F1 ≥ 0.977 with honest estimates, also at ±0.02 and ±0.05', () => {
    const r = linkDataset(ncvr!);
    expect(r.truePairs).toBe(1224);
    expect(r.real.f1).toBeGreaterThanOrEqual(0.977);
    expect(Math.abs(r.choice.estimatedPrecision - r.real.precision)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(r.choice.estimatedRecall - r.real.recall)).toBeLessThanOrEqual(0.03);
    for (const a of r.around) {
      expect(Math.abs(a.estimate.precision - a.real.precision)).toBeLessThanOrEqual(0.03);
      expect(Math.abs(a.estimate.recall - a.real.recall)).toBeLessThanOrEqual(0.03);
    }
  });
});
