import { describe, expect, it } from 'vitest';
import { linkDataset, qualityDatasets } from '../../bench/quality.js';
import { SHARED_DIR } from '../helpers/paths.js';

/**
 * Linkage quality with the automatic threshold on public labelled data nobody here wrote
 * (../shared/datasets, never copied into the project). Floors: FEBRL4 F1 ≥ 0.999; NCVR party 0
 * vs 1 F1 ≥ 0.977, above anonlink's best threshold chosen in hindsight (0.9766). The estimated
 * precision and recall must be within 0.03 of the truth, as governance reports will check.
 */
const [febrl, ncvr] = qualityDatasets(SHARED_DIR);

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
