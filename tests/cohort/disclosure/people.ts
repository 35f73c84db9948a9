/**
 * Synthetic linked people for overlap-control and attack tests: regions, sexes, birth dates and
 * exclusion flags drawn from a seeded generator, and a CellLayout over them whose age bands
 * follow the route's rule (completed years at the index date, birthday on the 1st of the month).
 */
import type { CellLayout } from '../../../src/cohort/disclosure/cellLayout.js';
import { mulberry32 } from '../../quality/synthetic.js';

export const REGION_NAMES = ['R0', 'R1', 'R2', 'R3', 'unknown'] as const;
export const BAND_NAMES = ['0-17', '18-39', '40-64', '65-74', '75+', 'unknown'] as const;
const BANDS = [
  [0, 17],
  [18, 39],
  [40, 64],
  [65, 74],
  [75, 1000],
] as const;

/** mulberry32 (shared with the quality tests): small, fast, good enough for test populations. */
export const rng = mulberry32;

export interface People {
  readonly count: number;
  readonly region: Uint16Array; // index into REGION_NAMES
  readonly sex: Uint8Array; // 0 unknown, 1 female, 2 male, 3 other
  readonly birthYear: Int16Array;
  readonly birthMonth: Uint8Array;
  readonly deceased: Uint8Array;
  readonly optedOut: Uint8Array;
}

export function makePeople(count: number, seed: number, opts: { exclusions?: boolean } = {}): People {
  const r = rng(seed);
  const p: People = {
    count,
    region: new Uint16Array(count),
    sex: new Uint8Array(count),
    birthYear: new Int16Array(count),
    birthMonth: new Uint8Array(count),
    deceased: new Uint8Array(count),
    optedOut: new Uint8Array(count),
  };
  for (let i = 0; i < count; i++) {
    p.region[i] = Math.floor(r() * 4);
    p.sex[i] = 1 + Math.floor(r() * 2);
    p.birthYear[i] = 1930 + Math.floor(r() * 85);
    p.birthMonth[i] = 1 + Math.floor(r() * 12);
    if (opts.exclusions) {
      p.deceased[i] = r() < 0.03 ? 1 : 0;
      p.optedOut[i] = r() < 0.04 ? 1 : 0;
    }
  }
  return p;
}

export function ageBandIndex(people: People, p: number, indexDate: string): number {
  const y = Number(indexDate.slice(0, 4));
  const m = Number(indexDate.slice(5, 7));
  const age = y - people.birthYear[p]! - (m < people.birthMonth[p]! ? 1 : 0);
  const i = BANDS.findIndex(([lo, hi]) => age >= lo && age <= hi);
  return i < 0 ? BAND_NAMES.length - 1 : i;
}

export function layoutOf(people: People): CellLayout {
  return {
    people: people.count,
    byRegion: { names: REGION_NAMES, codes: people.region },
    bySex: { names: ['unknown', 'female', 'male', 'other'], codes: people.sex },
    byAgeBandAt(indexDate) {
      const codes = new Uint8Array(people.count);
      for (let p = 0; p < people.count; p++) codes[p] = ageBandIndex(people, p, indexDate);
      return { names: BAND_NAMES, codes };
    },
    exclusions: { deceased: people.deceased, optedOut: people.optedOut },
  };
}

/** Byte masks for a query: `eligible` from the chosen people, `matched` adds the excluded among
 * `alsoMatched` (people who met the criteria but are deceased or opted out). */
export function querySets(
  people: People,
  chosen: Iterable<number>,
  indexDate: string,
): { indexDate: string; eligible: Uint8Array; matched: Uint8Array } {
  const eligible = new Uint8Array(people.count);
  const matched = new Uint8Array(people.count);
  for (const p of chosen) {
    matched[p] = 1;
    if (people.deceased[p] === 0 && people.optedOut[p] === 0) eligible[p] = 1;
  }
  return { indexDate, eligible, matched };
}

/** `n` distinct people drawn from `pool`. */
export function sample(pool: readonly number[], n: number, r: () => number): number[] {
  const copy = [...pool];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(r() * (copy.length - i));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}
