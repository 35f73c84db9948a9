import type { FormatName, Preset, RateKind, Rates, ResolvedDataset, ResolvedOptions } from './config.js';
import type { CorruptionTally, TextField } from './corruptRecord.js';
import type { RegionCode } from './places.js';

/** corruption.json for one derived dataset: what was configured and what was actually applied. */
export interface DatasetCorruptionReport {
  readonly format: FormatName;
  readonly overlap: number;
  readonly records: number;
  readonly inSpineRecords: number;
  readonly outOfSpineRecords: number;
  /** Second copies of a person's record (each also counted in `records`). */
  readonly duplicateRecords: number;
  /** Records of people living in the heavy region (corrupted with `heavyRegionRates`). */
  readonly heavyRegionRecords: number;
  readonly rates: Rates;
  readonly heavyRegionRates: Rates | null;
  /** Records each kind was applied to (a kind that could not apply, e.g. no nickname, is not counted). */
  readonly counts: Record<RateKind, number>;
  readonly countsByField: Record<'keyboardTypo' | 'ocr' | 'phonetic', Record<TextField, number>>;
  readonly recordsByCorruptionCount: {
    readonly '0': number;
    readonly '1': number;
    readonly '2': number;
    readonly '3+': number;
  };
}

export interface CorruptionReport {
  readonly generator: 'cohortlink generate';
  readonly seed: number;
  readonly people: number;
  readonly outOfSpinePeople: number;
  readonly options: {
    readonly corruption: Preset;
    readonly heavyRegion: RegionCode | null;
    readonly outOfSpineRate: number;
    readonly duplicateRate: number;
    readonly shuffleWindow: number;
    readonly datasets: readonly { name: string; overlap: number; format: FormatName }[];
  };
  readonly datasets: Readonly<Record<string, DatasetCorruptionReport>>;
}

export interface DatasetOutcome {
  readonly spec: ResolvedDataset;
  readonly tally: CorruptionTally;
  readonly inSpineRecords: number;
  readonly outOfSpineRecords: number;
  readonly duplicateRecords: number;
}

export function buildCorruptionReport(
  o: ResolvedOptions,
  outcomes: readonly DatasetOutcome[],
  outOfSpinePeople: number,
): CorruptionReport {
  const dataset = (s: DatasetOutcome): DatasetCorruptionReport => ({
    format: s.spec.format,
    overlap: s.spec.overlap,
    records: s.tally.records,
    inSpineRecords: s.inSpineRecords,
    outOfSpineRecords: s.outOfSpineRecords,
    duplicateRecords: s.duplicateRecords,
    heavyRegionRecords: s.tally.heavyRegionRecords,
    rates: s.spec.rates,
    heavyRegionRates: s.spec.heavyRates,
    counts: s.tally.counts,
    countsByField: s.tally.byField,
    recordsByCorruptionCount: {
      '0': s.tally.perRecord[0]!,
      '1': s.tally.perRecord[1]!,
      '2': s.tally.perRecord[2]!,
      '3+': s.tally.perRecord[3]!,
    },
  });
  return {
    generator: 'cohortlink generate',
    seed: o.seed,
    people: o.people,
    outOfSpinePeople,
    options: {
      corruption: o.corruption,
      heavyRegion: o.heavyRegion,
      outOfSpineRate: o.outOfSpineRate,
      duplicateRate: o.duplicateRate,
      shuffleWindow: o.shuffleWindow,
      datasets: o.datasets.map((d) => ({ name: d.name, overlap: d.overlap, format: d.format })),
    },
    datasets: Object.fromEntries(outcomes.map((s) => [s.spec.name, dataset(s)])),
  };
}
