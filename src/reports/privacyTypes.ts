/**
 * The privacy-risk report's shared types: the per-dataset figures privacyRisk.ts computes and
 * the findings privacyFindings.ts derives from them. Kept apart so neither module imports the
 * other's types (the two used to import each other).
 */

export type RiskLevel = 'low' | 'moderate' | 'high';

export interface Finding {
  /** Stable identifier of the rule: bit-usage, rare-popcounts, duplicates, shared-filters, key-reuse, hardening. */
  readonly id: string;
  /** The dataset, the pair of datasets, or 'project'. */
  readonly scope: string;
  readonly title: string;
  readonly level: RiskLevel;
  /** The rule that produced the level, in words. */
  readonly rule: string;
  /** The figures the rule was applied to. */
  readonly evidence: string;
  /** What to do; null when nothing needs doing. */
  readonly recommendation: string | null;
  /**
   * A rule-of-thumb indicator, shown but not counted in the overall level: when a simulated
   * attack has measured the same risk directly, the measurement decides (issue 12).
   */
  readonly indicative?: boolean;
}

export interface BitFrequencyStats {
  readonly positions: number;
  readonly filters: number;
  /** Share of filters that set a position: the least, most and average over positions. */
  readonly minFrequency: number;
  readonly maxFrequency: number;
  readonly meanFrequency: number;
  readonly sdFrequency: number;
  /** sdFrequency / meanFrequency. */
  readonly coefficientOfVariation: number;
  /**
   * The same with the spread binomial sampling alone would cause removed (small datasets look
   * uneven by chance): √max(0, var − mean f(1−f)/n) / mean.
   */
  readonly coefficientOfVariationBeyondNoise: number;
  /** maxFrequency / minFrequency; null when some position is never set. */
  readonly maxMinRatio: number | null;
  readonly neverSetShare: number;
  readonly rarelySetShare: number;
  readonly almostAlwaysSetShare: number;
  /** Mean over positions of the binary entropy of its frequency, in bits (1 = a fair coin). */
  readonly meanEntropy: number;
  /** Frequencies sorted ascending, as the means of ≤ 128 equal runs of positions (in percent). */
  readonly sortedProfile: readonly number[];
}

export interface PopcountUniqueness {
  readonly popcount: number;
  readonly filters: number;
  /** Filters at this popcount whose exact bit pattern occurs once in the dataset. */
  readonly unique: number;
}

export interface UniquenessStats {
  readonly filters: number;
  readonly uniqueFilters: number;
  readonly uniqueShare: number;
  readonly byPopcount: readonly PopcountUniqueness[];
  readonly rarePopcountClass: number;
  /** Unique filters at popcounts held by fewer than rarePopcountClass filters. */
  readonly uniqueAtRarePopcounts: number;
  readonly uniqueAtRarePopcountsShare: number;
}

export interface HardeningInUse {
  readonly balance: boolean;
  readonly salted: boolean;
  readonly bitFlip: number;
  readonly xorFolds: number;
  /** Plain names of what is in use ('none' when nothing is). */
  readonly described: string;
}

export interface DatasetPrivacy {
  readonly name: string;
  readonly records: number;
  readonly filterBits: number;
  readonly schemaFingerprint: string;
  readonly keyFingerprint: string;
  readonly hardening: HardeningInUse;
  readonly bits: BitFrequencyStats;
  readonly uniqueness: UniquenessStats;
  readonly duplicates: {
    readonly records: number;
    readonly filters: number;
    readonly largestGroup: number;
    readonly share: number;
  };
}

export interface SharedFilters {
  readonly a: string;
  readonly b: string;
  readonly sameKey: boolean;
  /** Distinct filters that occur in both datasets (0 when the keys differ: not compared). */
  readonly sharedFilters: number;
}
