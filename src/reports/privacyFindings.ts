/**
 * The privacy-risk report's findings: each figure that bears on an attack is turned into a risk
 * level by a stated rule, and the rule's text travels with the finding so a reviewer can check
 * the arithmetic. The thresholds are declared once here.
 *
 * Calibration (UK schema, 50,000 generated people, 1024 bits): the coefficient of variation of
 * bit frequencies was 0.48 unhardened, 0.48 balanced, 0.40 with 5% bit-flip noise, 0.22 XOR-folded
 * once and 0.07 salted with the birth year — so the bit-usage rule rates an unhardened UK
 * encoding high, XOR-folding moderate and salting low. Balancing does not even out positions
 * (each becomes f or 1−f) but gives every filter the same popcount, which the popcount rule
 * rewards.
 */
import type { DatasetPrivacy, Finding, RiskLevel, SharedFilters } from './privacyTypes.js';

export type { Finding, RiskLevel } from './privacyTypes.js';

export const BIT_USAGE_HIGH_CV = 0.35;
export const BIT_USAGE_MODERATE_CV = 0.15;
/** Share of positions never set or set in ≥ 95% of filters that makes bit usage high risk. */
export const EXTREME_POSITIONS_HIGH = 0.05;
export const RARE_POPCOUNT_HIGH_SHARE = 0.01;
export const DUPLICATES_MODERATE_SHARE = 0.05;
export const DUPLICATES_MODERATE_GROUP = 10;

const ORDER: Record<RiskLevel, number> = { low: 0, moderate: 1, high: 2 };

/** The worst level of the findings that count (indicative ones are shown, not counted). */
export function worstLevel(findings: readonly Finding[]): RiskLevel {
  return findings.reduce<RiskLevel>(
    (w, f) => (!f.indicative && ORDER[f.level] > ORDER[w] ? f.level : w),
    'low',
  );
}

/** The distinct recommendations of the moderate and high findings, high first. */
export function recommendationsOf(findings: readonly Finding[]): string[] {
  const sorted = [...findings]
    .filter((f) => f.level !== 'low' && !f.indicative)
    .sort((a, b) => ORDER[b.level] - ORDER[a.level]);
  return [...new Set(sorted.flatMap((f) => (f.recommendation === null ? [] : [f.recommendation])))];
}

export function privacyFindings(
  datasets: readonly DatasetPrivacy[],
  shared: readonly SharedFilters[],
  otherProjectKeys: readonly string[] | undefined,
): Finding[] {
  const out: Finding[] = [];
  for (const d of datasets) out.push(bitUsage(d), rarePopcounts(d), duplicates(d), hardening(d));
  for (const s of shared) out.push(sharedFilters(s));
  if (otherProjectKeys !== undefined) out.push(...keyReuse(datasets, otherProjectKeys));
  return out;
}

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

export function bitUsage(d: DatasetPrivacy): Finding {
  const b = d.bits;
  const cv = b.coefficientOfVariationBeyondNoise;
  const extreme = b.neverSetShare + b.almostAlwaysSetShare;
  const level: RiskLevel =
    cv >= BIT_USAGE_HIGH_CV || extreme >= EXTREME_POSITIONS_HIGH
      ? 'high'
      : cv >= BIT_USAGE_MODERATE_CV || extreme > 0
        ? 'moderate'
        : 'low';
  return {
    id: 'bit-usage',
    scope: d.name,
    title: 'Uneven bit usage (frequency attacks)',
    level,
    rule: `high when the coefficient of variation of bit frequencies (beyond sampling noise) is ≥ ${BIT_USAGE_HIGH_CV} or ≥ ${pct(EXTREME_POSITIONS_HIGH, 0)} of positions are never set or set in ≥ 95% of filters; moderate when it is ≥ ${BIT_USAGE_MODERATE_CV} or any position is; low otherwise`,
    evidence: `coefficient of variation ${cv.toFixed(3)} (raw ${b.coefficientOfVariation.toFixed(3)}); frequencies from ${pct(b.minFrequency)} to ${pct(b.maxFrequency)}; ${pct(b.neverSetShare)} of positions never set, ${pct(b.almostAlwaysSetShare)} almost always set; mean entropy ${b.meanEntropy.toFixed(3)} bits per position`,
    recommendation:
      level === 'low'
        ? null
        : 'Even out bit usage: frequently set positions let an attacker align them with common name and date fragments. Salting every token with a stable field (e.g. birth year) or XOR-folding the filters spreads the bits most; bit-flip noise helps less. Balancing alone leaves per-position frequencies as uneven as before.',
  };
}

export function rarePopcounts(d: DatasetPrivacy): Finding {
  const u = d.uniqueness;
  const level: RiskLevel =
    u.uniqueAtRarePopcountsShare >= RARE_POPCOUNT_HIGH_SHARE
      ? 'high'
      : u.uniqueAtRarePopcounts > 0
        ? 'moderate'
        : 'low';
  return {
    id: 'rare-popcounts',
    scope: d.name,
    title: 'Filters singled out by rare popcounts (pattern mining)',
    level,
    rule: `high when ≥ ${pct(RARE_POPCOUNT_HIGH_SHARE, 0)} of filters are unique and sit at a popcount fewer than ${u.rarePopcountClass} filters have; moderate when any filter does; low otherwise`,
    evidence: `${u.uniqueAtRarePopcounts.toLocaleString('en-GB')} filters (${pct(u.uniqueAtRarePopcountsShare, 3)}) unique at rare popcounts; ${pct(u.uniqueShare)} of all filters are unique`,
    recommendation:
      level === 'low'
        ? null
        : 'Balance the filters (every filter then has exactly half its bits set, so a popcount no longer points to unusually long or short names and addresses), but only together with XOR-folding or salting: balancing alone can be undone without the key. Small datasets are most exposed; pooling them before release helps too.',
  };
}

export function duplicates(d: DatasetPrivacy): Finding {
  const x = d.duplicates;
  const level: RiskLevel =
    x.share >= DUPLICATES_MODERATE_SHARE || x.largestGroup >= DUPLICATES_MODERATE_GROUP ? 'moderate' : 'low';
  return {
    id: 'duplicates',
    scope: d.name,
    title: 'Repeated filters within the dataset',
    level,
    rule: `moderate when ≥ ${pct(DUPLICATES_MODERATE_SHARE, 0)} of records share their filter with another or one filter occurs ≥ ${DUPLICATES_MODERATE_GROUP} times; low otherwise`,
    evidence: `${x.records.toLocaleString('en-GB')} records (${pct(x.share, 2)}) share a filter; ${x.filters.toLocaleString('en-GB')} filters repeat, the most common ${x.largestGroup.toLocaleString('en-GB')} times`,
    recommendation:
      level === 'low'
        ? null
        : 'Find out why filters repeat (the same person recorded many times, or placeholder values such as a default date of birth): a filter that occurs often is an anchor for a frequency attack.',
  };
}

/**
 * Hardening gets credit only for what has been measured to stop an attack (issue 12): against a
 * pattern-mining attack on 50,000 generated people (uk schema), first names were re-identified
 * for 88.6 % of records unhardened, 85.5–91.8 % with 2–5 % bit flips, 2.8 % XOR-folded and 0.9 %
 * salted with the birth year (guessing: 2.1 %). Balancing looked strong (1.2–8.9 %) but is
 * undone without the key: the 1,024 complement column pairs can be found, after which the file
 * is the plain file bit for bit. So salting or XOR-folding rate low; balancing or bit flips alone
 * rate as no hardening.
 */
export function hardening(d: DatasetPrivacy): Finding {
  const h = d.hardening;
  const effective = h.salted || h.xorFolds > 0;
  const uncredited = [...(h.balance ? ['balancing'] : []), ...(h.bitFlip > 0 ? ['bit-flip noise'] : [])];
  return {
    id: 'hardening',
    scope: d.name,
    title: 'Hardening in use',
    level: effective ? 'low' : 'moderate',
    rule:
      'low when salting or XOR-folding is in use (measured to bring a pattern-mining attack down to guessing); ' +
      'moderate otherwise, including balancing or bit-flip noise alone, which did not stop it',
    evidence:
      `hardening: ${h.described}` +
      (!effective && uncredited.length > 0
        ? `; ${uncredited.join(' and ')} left per-name bit patterns an attacker can mine (re-identification 85.5–91.8 % with bit flips; balancing undone by finding complement pairs)`
        : ''),
    recommendation: effective
      ? null
      : 'Harden the schema with XOR-folding (filter.xorFolds) or salting with a stable field: on generated data they brought a pattern-mining attack from 88.6 % of first names to 2.8 % and 0.9 % (guessing 2.1 %). Balancing and bit-flip noise alone did not. Measure the linkage cost first (npm run bench:hardening-quality).',
  };
}

export function sharedFilters(s: SharedFilters): Finding {
  const scope = `${s.a} × ${s.b}`;
  if (!s.sameKey)
    return {
      id: 'shared-filters',
      scope,
      title: 'Identical filters across datasets',
      level: 'low',
      rule: 'low when the datasets were encoded with different secrets (their filters cannot be joined, nor linked); otherwise moderate when any filter occurs in both, low when none does',
      evidence: 'different key fingerprints',
      recommendation: null,
    };
  const level: RiskLevel = s.sharedFilters > 0 ? 'moderate' : 'low';
  return {
    id: 'shared-filters',
    scope,
    title: 'Identical filters across datasets',
    level,
    rule: 'low when the datasets were encoded with different secrets (their filters cannot be joined, nor linked); otherwise moderate when any filter occurs in both, low when none does',
    evidence: `same key; ${s.sharedFilters.toLocaleString('en-GB')} distinct filters occur in both`,
    recommendation:
      level === 'low'
        ? null
        : 'Protect the encodings files like identifiable data: anyone holding two files made with the same secret can join their identical filters without knowing the secret. Keep them inside the linkage service and delete uploads once linked.',
  };
}

export function keyReuse(
  datasets: readonly DatasetPrivacy[],
  otherProjectKeys: readonly string[],
): Finding[] {
  const others = new Set(otherProjectKeys);
  const rule =
    'high when a dataset was encoded with a secret (key fingerprint) another project also uses; low otherwise';
  const reused = datasets.filter((d) => others.has(d.keyFingerprint));
  if (reused.length === 0)
    return [
      {
        id: 'key-reuse',
        scope: 'project',
        title: 'Secret shared with other projects',
        level: 'low',
        rule,
        evidence: `no key fingerprint of this project appears among ${others.size} other projects' key fingerprints`,
        recommendation: null,
      },
    ];
  return reused.map((d) => ({
    id: 'key-reuse',
    scope: d.name,
    title: 'Secret shared with other projects',
    level: 'high',
    rule,
    evidence: `key fingerprint ${d.keyFingerprint} is also used by another project`,
    recommendation:
      'Use a different secret for every project: filters made with the same secret are identical for the same person, so encodings from different projects can be joined without it.',
  }));
}
