import { ageOf, type Person, REFERENCE_YEAR } from './population.js';
import type { Rng } from './rng.js';

/**
 * The synthetic clinical picture of one person: whether they died (and when), whether they are on
 * the national data opt-out register, and which conditions and procedures they truly have, each
 * with an onset day. Drawn once per person from its own random stream, so every dataset that holds
 * the person sees the same truth and attribute output never changes who exists or how identifiers
 * are corrupted.
 *
 * Prevalences are rough England figures (QOF registers, cancer registrations, HES procedure
 * counts), shaped by age and sex; they only need to be realistic enough that criteria over them
 * select plausible cohort sizes.
 */

const DAY_MS = 86_400_000;
export const dayOf = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d) / DAY_MS;
/** Events and deaths fall in the ten years before the reference date (1 Jan REFERENCE_YEAR). */
export const WINDOW_START_DAY = dayOf(REFERENCE_YEAR - 10, 1, 1);
export const WINDOW_END_DAY = dayOf(REFERENCE_YEAR, 1, 1) - 1;
const WINDOW_DAYS = WINDOW_END_DAY - WINDOW_START_DAY + 1;

/** Share of people on the national data opt-out register (about 5% nationally). */
export const OPT_OUT_RATE = 0.05;

export const CONDITIONS = ['E11', 'I10', 'J45', 'C50', 'F32'] as const;
export type Condition = (typeof CONDITIONS)[number];
export const PROCEDURES = ['cataract', 'hip', 'knee', 'colonoscopy', 'appendicectomy', 'mastectomy'] as const;
export type Procedure = (typeof PROCEDURES)[number];

/** Probability by age band: `[upToAge, p]` pairs, the last covering everyone older. */
type AgeCurve = readonly (readonly [number, number])[];
const at = (curve: AgeCurve, age: number): number => {
  for (const [upTo, p] of curve) if (age <= upTo) return p;
  return curve[curve.length - 1]![1];
};

/**
 * Prevalence per condition by age, separately for women and men ('I' uses the mean). About 7% of
 * adults have type 2 diabetes, ~15% of everyone hypertension, ~8% asthma, ~2% of women over 50 a
 * breast cancer in the last decade, and depression is ~1.6× as common in women.
 */
const PREVALENCE: Record<Condition, { readonly F: AgeCurve; readonly M: AgeCurve }> = {
  E11: {
    F: [
      [17, 0.001],
      [39, 0.013],
      [59, 0.06],
      [79, 0.12],
      [200, 0.14],
    ],
    M: [
      [17, 0.001],
      [39, 0.017],
      [59, 0.08],
      [79, 0.16],
      [200, 0.18],
    ],
  },
  I10: {
    F: [
      [17, 0],
      [39, 0.025],
      [59, 0.14],
      [79, 0.37],
      [200, 0.56],
    ],
    M: [
      [17, 0],
      [39, 0.035],
      [59, 0.17],
      [79, 0.39],
      [200, 0.52],
    ],
  },
  J45: {
    F: [
      [17, 0.08],
      [200, 0.085],
    ],
    M: [
      [17, 0.1],
      [200, 0.065],
    ],
  },
  C50: {
    F: [
      [29, 0],
      [49, 0.006],
      [69, 0.022],
      [200, 0.03],
    ],
    M: [
      [49, 0],
      [200, 0.0003],
    ],
  },
  F32: {
    F: [
      [11, 0],
      [17, 0.04],
      [64, 0.16],
      [200, 0.12],
    ],
    M: [
      [11, 0],
      [17, 0.02],
      [64, 0.1],
      [200, 0.08],
    ],
  },
};

/** Procedures in the last ten years by age (sex-specific ones are handled below). */
const PROCEDURE_RATE: Record<Exclude<Procedure, 'mastectomy'>, AgeCurve> = {
  cataract: [
    [54, 0.002],
    [69, 0.05],
    [200, 0.15],
  ],
  hip: [
    [49, 0.001],
    [64, 0.015],
    [200, 0.05],
  ],
  knee: [
    [49, 0.001],
    [64, 0.02],
    [200, 0.045],
  ],
  colonoscopy: [
    [39, 0.01],
    [59, 0.06],
    [200, 0.1],
  ],
  appendicectomy: [
    [9, 0.002],
    [29, 0.012],
    [200, 0.005],
  ],
};
/** Share of breast-cancer patients who have a mastectomy (the rest breast-conserving surgery). */
const MASTECTOMY_RATE = 0.4;

/** Chance of having died in the last ten years: a few percent overall, steeply rising with age. */
export function deathProbability(age: number): number {
  return 0.002 + 0.4 / (1 + Math.exp(-(age - 85) / 7));
}

export interface ClinicalTruth {
  readonly deceased: boolean;
  /** Days since 1970-01-01, or -1 when alive. */
  readonly deathDay: number;
  readonly optedOut: boolean;
  /** Conditions with their onset day (which may be before the window: long-standing disease). */
  readonly conditions: readonly { readonly condition: Condition; readonly onsetDay: number }[];
  readonly procedures: readonly { readonly procedure: Procedure; readonly day: number }[];
}

const inWindow = (rng: Rng): number => WINDOW_START_DAY + rng.int(WINDOW_DAYS);
/** A day in the window no earlier than `from` (a death after the birth: the service refuses others). */
const inWindowFrom = (rng: Rng, from: number): number => {
  const start = Math.max(WINDOW_START_DAY, from);
  return start + rng.int(WINDOW_END_DAY - start + 1);
};

/** Draws one person's clinical truth. Fixed number of draws per branch, so it is cheap. */
export function drawClinicalTruth(rng: Rng, p: Person): ClinicalTruth {
  const age = ageOf(p);
  const deceased = rng.chance(deathProbability(age));
  const deathDay = deceased ? inWindowFrom(rng, dayOf(p.dobY, p.dobM, p.dobD)) : -1;
  const optedOut = rng.chance(OPT_OUT_RATE);
  const sexCurves = (c: Condition): number => {
    const t = PREVALENCE[c];
    return p.sex === 'F' ? at(t.F, age) : p.sex === 'M' ? at(t.M, age) : (at(t.F, age) + at(t.M, age)) / 2;
  };
  const conditions: { condition: Condition; onsetDay: number }[] = [];
  for (const condition of CONDITIONS) {
    if (!rng.chance(sexCurves(condition))) continue;
    // Half of chronic disease was diagnosed before the window; cancers are all recent (10-year prevalence).
    const before = condition !== 'C50' && rng.chance(0.5);
    conditions.push({
      condition,
      onsetDay: before ? WINDOW_START_DAY - 1 - rng.int(WINDOW_DAYS) : inWindow(rng),
    });
  }
  const procedures: { procedure: Procedure; day: number }[] = [];
  for (const [procedure, curve] of Object.entries(PROCEDURE_RATE) as [Procedure, AgeCurve][]) {
    if (rng.chance(at(curve, age))) procedures.push({ procedure, day: inWindow(rng) });
  }
  const cancer = conditions.find((c) => c.condition === 'C50');
  if (cancer !== undefined && rng.chance(MASTECTOMY_RATE)) {
    procedures.push({
      procedure: 'mastectomy',
      day: Math.min(WINDOW_END_DAY, cancer.onsetDay + 30 + rng.int(60)),
    });
  }
  const alive = (d: number): boolean => !deceased || d <= deathDay;
  return {
    deceased,
    deathDay,
    optedOut,
    // Nobody is diagnosed or operated on after death.
    conditions: conditions.filter((c) => alive(c.onsetDay)),
    procedures: procedures.filter((x) => alive(x.day)),
  };
}

/** The last day a person can have an event: the end of the window or their death. */
export const lastEventDay = (t: ClinicalTruth): number => (t.deceased ? t.deathDay : WINDOW_END_DAY);
