/**
 * The arithmetic of the subgroup-bias table (issue 6, §1): age bands, and for each group its link
 * rate against the rate of everyone else in the dataset, a two-proportion z and a flag. Pure
 * functions over counts, so the flag logic is tested against a naive count without files.
 *
 * Why the defaults flag a group only when BOTH hold:
 *  - |difference| ≥ 2 percentage points: a gap reviewers act on. At the 90–97 % link rates of
 *    real runs, 2 points is a 30–60 % rise in the group's missed records, so its people are
 *    noticeably less often invited; smaller gaps are within what blocking and thresholds shift.
 *  - |z| ≥ 3: a table holds ~25 groups per dataset (10 age bands, 4 sexes, ~10 regions). At the
 *    usual |z| ≥ 1.96 one or two groups would be flagged by chance in every report; at 3
 *    (two-sided p ≈ 0.0027) the expected false flags per dataset are under 0.1 (Bonferroni-like
 *    for ~20 tests), so a flag is worth a reviewer's time.
 * The difference alone would flag noise in small groups; z alone would flag trivial gaps in a
 * million-record dataset. Both are options.
 */
import { z } from 'zod';
import { CohortlinkError } from '../errors.js';

export const SUBGROUP_DEFAULTS = {
  /** Smallest |group rate − rate of everyone else| that is flagged (2 percentage points). */
  minDifference: 0.02,
  /** Smallest |two-proportion z| that is flagged (two-sided p ≈ 0.0027). */
  minZ: 3,
  /** Groups with fewer records are suppressed: no counts or rate reach the page (small cells). */
  minGroup: 10,
} as const;

export const subgroupOptionsSchema = z.strictObject({
  asOf: z.string().optional(),
  minDifference: z.number().min(0).max(1).optional(),
  minZ: z.number().min(0).max(1000).optional(),
  minGroup: z.number().int().min(1).max(1_000_000).optional(),
});
export type SubgroupOptions = z.infer<typeof subgroupOptionsSchema>;

export type SubgroupFlag = 'under-linked' | 'over-linked';

export interface SubgroupRow {
  readonly group: string;
  /** Fewer than minGroup records: records, linked, rate, difference and z are null. */
  readonly suppressed: boolean;
  readonly records: number | null;
  readonly linked: number | null;
  readonly rate: number | null;
  /** The group's rate minus the rate of everyone else in the dataset (a fraction, not points). */
  readonly difference: number | null;
  /** Two-proportion z of that difference (pooled standard error); 0 when there is no one else. */
  readonly z: number | null;
  readonly flag: SubgroupFlag | null;
}

export interface GroupCount {
  readonly group: string;
  readonly records: number;
  readonly linked: number;
}

export interface FlagThresholds {
  readonly minDifference: number;
  readonly minZ: number;
  readonly minGroup: number;
}

/** Rows for the groups of one dimension; `total` is the dataset (every group together). */
export function groupRows(
  groups: readonly GroupCount[],
  total: { readonly records: number; readonly linked: number },
  o: FlagThresholds,
): SubgroupRow[] {
  return groups
    .filter((g) => g.records > 0)
    .map((g) => {
      if (g.records < o.minGroup)
        return {
          group: g.group,
          suppressed: true,
          records: null,
          linked: null,
          rate: null,
          difference: null,
          z: null,
          flag: null,
        };
      const { difference, z } = compareWithRest(g.records, g.linked, total.records, total.linked);
      // 1e-9: a difference of exactly 2 points is computed as 0.0199999… and must still count.
      const marked = Math.abs(difference) >= o.minDifference - 1e-9 && Math.abs(z) >= o.minZ - 1e-9;
      return {
        group: g.group,
        suppressed: false,
        records: g.records,
        linked: g.linked,
        rate: g.linked / g.records,
        difference,
        z,
        flag: marked ? (difference < 0 ? 'under-linked' : 'over-linked') : null,
      };
    });
}

/**
 * The group (n records, l linked) against everyone else in the dataset (N, L): difference of
 * rates and the pooled two-proportion z. No one else, or a rate of 0 or 1 everywhere, gives 0.
 */
export function compareWithRest(
  n: number,
  l: number,
  N: number,
  L: number,
): { difference: number; z: number } {
  const restN = N - n;
  if (restN <= 0 || n <= 0) return { difference: 0, z: 0 };
  const difference = l / n - (L - l) / restN;
  const p = L / N;
  const se = Math.sqrt(p * (1 - p) * (1 / n + 1 / restN));
  return { difference, z: se > 0 ? difference / se : 0 };
}

/** Upper ages of the bands (inclusive); the last band is open: 85+. */
const BAND_UPPER = [15, 24, 34, 44, 54, 64, 74, 84] as const;
export const AGE_BAND_LABELS = [
  ...BAND_UPPER.map((hi, k) => `${k === 0 ? 0 : BAND_UPPER[k - 1]! + 1}–${hi}`),
  `${BAND_UPPER.at(-1)! + 1}+`,
  'unknown',
] as const;
export const UNKNOWN_AGE_BAND = AGE_BAND_LABELS.length - 1;

/**
 * The band of a person born in `birthYear`/`birthMonth` (0 = unknown) on `asOf`. Only year and
 * month are known, so the birthday is taken as the 1st of the month, and 1 July when the month
 * is unknown (half the people born that year are then a year out, never more). Unknown year, or
 * a birth after `asOf`, is the unknown band.
 */
export function ageBand(
  birthYear: number,
  birthMonth: number,
  asOf: { year: number; month: number },
): number {
  if (birthYear <= 0) return UNKNOWN_AGE_BAND;
  const month = birthMonth >= 1 && birthMonth <= 12 ? birthMonth : 7;
  const age = asOf.year - birthYear - (asOf.month < month ? 1 : 0);
  if (age < 0) return UNKNOWN_AGE_BAND;
  for (let k = 0; k < BAND_UPPER.length; k++) if (age <= BAND_UPPER[k]!) return k;
  return BAND_UPPER.length;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A YYYY-MM-DD date (any real date; future ones too); `label` (a flag or field) names it in errors. */
export function parseAsOf(raw: string, label: string): { iso: string; year: number; month: number } {
  const m = ISO_DATE.exec(raw);
  const [year, month, day] = m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const real =
    m !== null &&
    year >= 1880 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!real)
    throw new CohortlinkError('CL_USAGE', `${label} must be a real date written YYYY-MM-DD (from 1880)`, [
      { path: label, message: 'expected YYYY-MM-DD' },
    ]);
  return { iso: raw, year, month };
}

export function todayIso(): string {
  return new Date().toISOString().slice(0, 10);
}
