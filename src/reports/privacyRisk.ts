/**
 * The privacy-risk report of a project (issue 6, §3): how exposed its encodings are to frequency
 * and pattern-mining attacks. Per dataset and overall: how unevenly bit positions are used, how
 * many filters are unique and at which popcounts, duplicates, filters shared between datasets,
 * the hardening in use, and findings with a risk level and the rule that set it
 * (privacyFindings.ts).
 *
 * Every dataset is read in full once (encodingStats.ts) and only aggregates are kept between
 * files: bit counts, popcount counts and 8-byte digests of the distinct filters (to count the
 * filters two datasets share). The model holds counts, shares, names and fingerprints; no ref,
 * block key or filter can enter it.
 */
import type { HeaderLine } from '../encoding/ndjson.js';
import { readEncodings } from '../matching/input/readEncodings.js';
import {
  ATTACK_SAMPLE,
  attackDataset,
  attackFinding,
  type DatasetAttack,
  type SimulatedAttack,
} from './attackFindings.js';
import type { PublicFrequencies } from './attacks/publicFrequencies.js';
import type { EncodingsSource } from './datasetQuality.js';
import { type EncodingStats, readEncodingStats } from './encodingStats.js';
import { privacyFindings, recommendationsOf, worstLevel } from './privacyFindings.js';
import type {
  BitFrequencyStats,
  DatasetPrivacy,
  Finding,
  PopcountUniqueness,
  RiskLevel,
  SharedFilters,
  UniquenessStats,
} from './privacyTypes.js';
import { type Provenance, provenance } from './provenance.js';

export type {
  BitFrequencyStats,
  DatasetPrivacy,
  HardeningInUse,
  PopcountUniqueness,
  SharedFilters,
  UniquenessStats,
} from './privacyTypes.js';

export const PRIVACY_RISK_REPORT_FORMAT = 'cohortlink-privacy-risk-report/1';

/** A position set in fewer than this share of filters counts as rarely set. */
export const RARELY_SET = 0.01;
/** A position set in at least this share of filters counts as almost always set. */
export const ALMOST_ALWAYS_SET = 0.95;
/** Popcounts shared by fewer than this many filters single those filters out (k-anonymity on popcount). */
export const RARE_POPCOUNT_CLASS = 10;
/** The sorted-frequency chart draws at most this many bars (means of equal runs of positions). */
const PROFILE_BARS = 128;

export interface PrivacyRiskReport {
  readonly format: typeof PRIVACY_RISK_REPORT_FORMAT;
  readonly generated?: Provenance;
  readonly project: string;
  readonly level: RiskLevel;
  readonly datasets: readonly DatasetPrivacy[];
  /** Over every filter of the project; bits is null when the datasets' filter sizes differ. */
  readonly overall: {
    readonly records: number;
    readonly bits: BitFrequencyStats | null;
    readonly uniqueFilters: number;
    readonly uniqueShare: number;
    readonly uniqueAtRarePopcounts: number;
  };
  readonly sharedFilters: readonly SharedFilters[];
  readonly findings: readonly Finding[];
  /** The distinct recommendations of the moderate and high findings, worst first. */
  readonly recommendations: readonly string[];
  /** Whether key fingerprints of other projects were supplied and checked for reuse. */
  readonly keyReuseChecked: boolean;
  /** The simulated attack, when it was run (its findings lead `findings`). */
  readonly simulatedAttack?: SimulatedAttack;
}

export interface PrivacyRiskOptions {
  /** Key fingerprints used by other projects: a dataset encoded with one of them is flagged. */
  readonly otherProjectKeyFingerprints?: readonly string[];
  /** Called with the dataset being read and its bytes read so far. */
  readonly onProgress?: (dataset: number, bytesRead: number) => void;
  /**
   * Run the simulated pattern-mining attack on each dataset against these public name
   * frequencies (attackFindings.ts); its measured rate then sets the verdict and the rules of
   * thumb (bit usage, popcounts, hardening flags) are shown as indicators only.
   */
  readonly attack?: { readonly frequencies: PublicFrequencies; readonly seed?: number };
}

export async function buildPrivacyRiskReport(
  project: { readonly name: string },
  datasets: readonly EncodingsSource[],
  options: PrivacyRiskOptions = {},
): Promise<PrivacyRiskReport> {
  const summaries: DatasetPrivacy[] = [];
  const digests: BigUint64Array[] = [];
  const headers: HeaderLine[] = [];
  let pooled: Float64Array | null = null;
  let pooledRecords = 0;
  let samePositions = true;
  // One dataset at a time: its distinct filters (up to 128 MB per million) are let go before the next.
  for (const [k, d] of datasets.entries()) {
    const stats = await readEncodingStats(d.path, { onProgress: (b) => options.onProgress?.(k, b) });
    summaries.push(datasetPrivacy(d.name, stats));
    digests.push(stats.digests);
    headers.push(stats.header);
    if (pooled === null && k === 0) pooled = new Float64Array(stats.bitCounts.length);
    if (pooled !== null && pooled.length === stats.bitCounts.length) {
      for (let i = 0; i < pooled.length; i++) pooled[i]! += stats.bitCounts[i]!;
      pooledRecords += stats.records;
    } else samePositions = false;
  }
  const sharedFilters: SharedFilters[] = [];
  for (let a = 0; a < datasets.length; a++)
    for (let b = a + 1; b < datasets.length; b++) {
      const sameKey = headers[a]!.keyFingerprint === headers[b]!.keyFingerprint;
      sharedFilters.push({
        a: datasets[a]!.name,
        b: datasets[b]!.name,
        sameKey,
        sharedFilters: sameKey ? countShared(digests[a]!, digests[b]!) : 0,
      });
    }
  const records = summaries.reduce((s, d) => s + d.records, 0);
  const uniqueFilters = summaries.reduce((s, d) => s + d.uniqueness.uniqueFilters, 0);
  const overall = {
    records,
    bits: samePositions && pooled !== null ? bitFrequencyStats(pooled, pooledRecords) : null,
    uniqueFilters,
    uniqueShare: records === 0 ? 0 : uniqueFilters / records,
    uniqueAtRarePopcounts: summaries.reduce((s, d) => s + d.uniqueness.uniqueAtRarePopcounts, 0),
  };
  const otherKeys = options.otherProjectKeyFingerprints;
  const simulatedAttack =
    options.attack === undefined ? undefined : await simulateAttacks(datasets, summaries, options.attack);
  const ruled = privacyFindings(summaries, sharedFilters, otherKeys);
  const findings =
    simulatedAttack === undefined
      ? ruled
      : [
          ...simulatedAttack.datasets.map((a, k) => attackFinding(a, summaries[k]!.hardening.described)),
          ...ruled.map((f) => (MEASURED_BY_ATTACK.has(f.id) ? { ...f, indicative: true } : f)),
        ];
  return {
    format: PRIVACY_RISK_REPORT_FORMAT,
    generated: provenance(),
    project: project.name,
    level: worstLevel(findings),
    datasets: summaries,
    overall,
    sharedFilters,
    findings,
    recommendations: recommendationsOf(findings),
    keyReuseChecked: otherKeys !== undefined,
    ...(simulatedAttack !== undefined ? { simulatedAttack } : {}),
  };
}

/** Rules of thumb about the risk the simulated attack measures directly. */
const MEASURED_BY_ATTACK = new Set(['bit-usage', 'rare-popcounts', 'hardening']);

async function simulateAttacks(
  datasets: readonly EncodingsSource[],
  summaries: readonly DatasetPrivacy[],
  o: NonNullable<PrivacyRiskOptions['attack']>,
): Promise<SimulatedAttack> {
  const seed = o.seed ?? 1;
  const attacked: DatasetAttack[] = [];
  // One dataset at a time, so only one dataset's filters are in memory.
  for (const [k, d] of datasets.entries()) {
    const read = await readEncodings(d.path, { name: summaries[k]!.name });
    attacked.push(attackDataset(d.name, read.store, o.frequencies, seed));
  }
  return {
    method:
      'pattern mining (per-name bit patterns mined from the filters, aligned to public names by frequency and shared bigrams; in the style of Christen et al., PAKDD 2017)',
    frequencySource: o.frequencies.source,
    sample: ATTACK_SAMPLE,
    seed,
    datasets: attacked,
  };
}

/** One dataset's figures from its statistics (the service may hold the statistics already). */
export function datasetPrivacy(name: string, stats: EncodingStats): DatasetPrivacy {
  const h = stats.header.hardening;
  return {
    name,
    records: stats.records,
    filterBits: stats.filterBits,
    schemaFingerprint: stats.header.schemaFingerprint,
    keyFingerprint: stats.header.keyFingerprint,
    hardening: { ...h, described: describeHardening(h) },
    bits: bitFrequencyStats(stats.bitCounts, stats.records),
    uniqueness: uniquenessStats(stats),
    duplicates: {
      records: stats.duplicateRecords,
      filters: stats.duplicatedFilters,
      largestGroup: stats.largestDuplicateGroup,
      share: stats.records === 0 ? 0 : stats.duplicateRecords / stats.records,
    },
  };
}

export function describeHardening(h: HeaderLine['hardening']): string {
  return (
    [
      h.balance ? 'balancing' : '',
      h.salted ? 'salting' : '',
      h.bitFlip > 0 ? `bit-flip noise (p = ${h.bitFlip})` : '',
      h.xorFolds > 0 ? `XOR-folding (${h.xorFolds}×)` : '',
    ]
      .filter((x) => x !== '')
      .join(', ') || 'none'
  );
}

export function bitFrequencyStats(bitCounts: ArrayLike<number>, filters: number): BitFrequencyStats {
  const m = bitCounts.length;
  if (filters === 0 || m === 0)
    return {
      positions: m,
      filters,
      minFrequency: 0,
      maxFrequency: 0,
      meanFrequency: 0,
      sdFrequency: 0,
      coefficientOfVariation: 0,
      coefficientOfVariationBeyondNoise: 0,
      maxMinRatio: null,
      neverSetShare: 0,
      rarelySetShare: 0,
      almostAlwaysSetShare: 0,
      meanEntropy: 0,
      sortedProfile: [],
    };
  const f = new Float64Array(m);
  let sum = 0;
  let never = 0;
  let rarely = 0;
  let always = 0;
  let entropy = 0;
  let binomial = 0;
  for (let i = 0; i < m; i++) {
    const p = bitCounts[i]! / filters;
    f[i] = p;
    sum += p;
    if (p === 0) never++;
    if (p < RARELY_SET) rarely++;
    if (p >= ALMOST_ALWAYS_SET) always++;
    if (p > 0 && p < 1) entropy -= p * Math.log2(p) + (1 - p) * Math.log2(1 - p);
    binomial += p * (1 - p);
  }
  const mean = sum / m;
  let squares = 0;
  for (let i = 0; i < m; i++) squares += (f[i]! - mean) ** 2;
  const variance = squares / m;
  const noise = binomial / m / filters;
  f.sort();
  const min = f[0]!;
  const max = f[m - 1]!;
  const sd = Math.sqrt(variance);
  return {
    positions: m,
    filters,
    minFrequency: min,
    maxFrequency: max,
    meanFrequency: mean,
    sdFrequency: sd,
    coefficientOfVariation: mean === 0 ? 0 : sd / mean,
    coefficientOfVariationBeyondNoise: mean === 0 ? 0 : Math.sqrt(Math.max(0, variance - noise)) / mean,
    maxMinRatio: min === 0 ? null : max / min,
    neverSetShare: never / m,
    rarelySetShare: rarely / m,
    almostAlwaysSetShare: always / m,
    meanEntropy: entropy / m,
    sortedProfile: profile(f),
  };
}

/** Means of ≤ PROFILE_BARS equal runs of the sorted frequencies, in percent. */
function profile(sorted: Float64Array): number[] {
  const bars = Math.min(PROFILE_BARS, sorted.length);
  const out: number[] = [];
  for (let b = 0; b < bars; b++) {
    const from = Math.floor((b * sorted.length) / bars);
    const to = Math.floor(((b + 1) * sorted.length) / bars);
    let s = 0;
    for (let i = from; i < to; i++) s += sorted[i]!;
    out.push((100 * s) / (to - from));
  }
  return out;
}

function uniquenessStats(stats: EncodingStats): UniquenessStats {
  const byPopcount: PopcountUniqueness[] = [];
  let unique = 0;
  let rare = 0;
  for (let p = 0; p < stats.popcountCounts.length; p++) {
    const n = stats.popcountCounts[p]!;
    if (n === 0) continue;
    const u = stats.uniqueAtPopcount[p]!;
    byPopcount.push({ popcount: p, filters: n, unique: u });
    unique += u;
    if (n < RARE_POPCOUNT_CLASS) rare += u;
  }
  return {
    filters: stats.records,
    uniqueFilters: unique,
    uniqueShare: stats.records === 0 ? 0 : unique / stats.records,
    byPopcount,
    rarePopcountClass: RARE_POPCOUNT_CLASS,
    uniqueAtRarePopcounts: rare,
    uniqueAtRarePopcountsShare: stats.records === 0 ? 0 : rare / stats.records,
  };
}

/** Digests present in both sorted arrays (a merge walk). */
export function countShared(a: BigUint64Array, b: BigUint64Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}
