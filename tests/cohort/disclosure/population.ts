/** Synthetic eligible populations as (region, age band, sex) cell counts, and their raw margins. */
import fc from 'fast-check';
import type { RawFeasibilityCounts } from '../../../src/cohort/disclosure/index.js';

export const REGIONS = ['E54000008', 'E54000027', 'E54000029', 'E54000050'] as const;
export const BANDS = ['18-39', '40-54', '55-64', '65-74', '75+'] as const;
export const SEXES = ['F', 'M'] as const;

/** counts[region][band][sex] */
export type Population = number[][][];

/** Region 0 holds 1–7 people (the small cell under attack); the others 0–12 per cell. */
export const populationArb: fc.Arbitrary<Population> = fc
  .tuple(
    fc.integer({ min: 1, max: 7 }),
    fc.array(fc.nat({ max: BANDS.length * SEXES.length - 1 }), { minLength: 7, maxLength: 7 }),
    fc.array(fc.nat({ max: 12 }), {
      minLength: (REGIONS.length - 1) * BANDS.length * SEXES.length,
      maxLength: (REGIONS.length - 1) * BANDS.length * SEXES.length,
    }),
  )
  .map(([small, places, rest]) => {
    const pop = REGIONS.map(() => BANDS.map(() => SEXES.map(() => 0)));
    for (const p of places.slice(0, small)) pop[0]![Math.floor(p / SEXES.length)]![p % SEXES.length]! += 1;
    let i = 0;
    for (let g = 1; g < REGIONS.length; g++)
      for (let b = 0; b < BANDS.length; b++)
        for (let s = 0; s < SEXES.length; s++) pop[g]![b]![s] = rest[i++]!;
    return pop;
  });

export function rawCounts(
  pop: Population,
  keep: (g: number, b: number, s: number) => boolean,
): RawFeasibilityCounts {
  const byRegion: Record<string, number> = {};
  const byAgeBand: Record<string, number> = {};
  const bySex: Record<string, number> = {};
  let total = 0;
  REGIONS.forEach((r, g) => {
    byRegion[r] ??= 0;
    BANDS.forEach((band, b) => {
      byAgeBand[band] ??= 0;
      SEXES.forEach((sex, s) => {
        bySex[sex] ??= 0;
        const n = keep(g, b, s) ? pop[g]![b]![s]! : 0;
        byRegion[r]! += n;
        byAgeBand[band]! += n;
        bySex[sex]! += n;
        total += n;
      });
    });
  });
  return {
    total,
    byRegion,
    byAgeBand,
    bySex,
    excluded: { deceased: 3, optedOut: 12 },
    linkageRange: { low: total, high: total },
  };
}

export const regionTotal = (pop: Population, g: number) =>
  pop[g]!.reduce((a, band) => a + band.reduce((x, y) => x + y, 0), 0);
