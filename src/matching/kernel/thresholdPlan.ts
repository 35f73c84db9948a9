/**
 * Integer forms of "Dice ≥ t", so no kernel divides per pair. Both tables are derived from the
 * floating-point definition itself (`dice` below), so every kernel keeps exactly the pairs the
 * reference keeps, even at scores that equal t after rounding.
 *
 * Dice(c, s) = 2c/s for s = |a|+|b| > 0 and 0 for two empty filters. For fixed s it rises with
 * c, so "Dice ≥ t" is "c ≥ need[s]". Since c ≤ min(|a|, |b|), a pair can reach t only if
 * Dice(min, s) ≥ t — the popcount bound |b| ∈ [t/(2−t)·|a|, (2−t)/t·|a|] — which for each |a|
 * is an interval [lo, hi] of |b| (Dice(min, s) rises with |b| up to |a| and falls after).
 */
import { CohortlinkError } from '../../errors.js';

export interface ThresholdPlan {
  readonly threshold: number;
  readonly bits: number;
  /** need[s]: fewest common bits for Dice ≥ t when |a|+|b| = s; `bits + 1` when none suffice. */
  readonly need: Int32Array;
  /** For |a| = p, only |b| in [lo[p], hi[p]] can reach t; lo[p] > hi[p] when no |b| can. */
  readonly lo: Uint16Array;
  readonly hi: Uint16Array;
}

/** The definition every kernel must agree with, including its rounding. */
export function dice(common: number, popSum: number): number {
  return popSum === 0 ? 0 : (2 * common) / popSum;
}

/** Whether a pair with these popcounts could reach t at all (the popcount bound, literally). */
export function canReach(popA: number, popB: number, threshold: number): boolean {
  return dice(Math.min(popA, popB), popA + popB) >= threshold;
}

export function checkThreshold(threshold: number): void {
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1))
    throw new CohortlinkError('CL_USAGE', `threshold ${threshold} must be a number in [0, 1]`);
}

const cache = new Map<string, ThresholdPlan>();
const CACHE_SIZE = 8;

/** The tables for (t, L), cached: they cost O(L log L) and a run uses one or two thresholds. */
export function thresholdPlan(threshold: number, bits: number): ThresholdPlan {
  checkThreshold(threshold);
  const key = `${bits}:${threshold}`;
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = buildPlan(threshold, bits);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, plan);
  }
  return plan;
}

function buildPlan(t: number, bits: number): ThresholdPlan {
  const need = new Int32Array(2 * bits + 1);
  for (let s = 0; s <= 2 * bits; s++) need[s] = fewestCommon(t, s, bits);
  const lo = new Uint16Array(bits + 1);
  const hi = new Uint16Array(bits + 1);
  for (let p = 0; p <= bits; p++) {
    if (p === 0) {
      // An empty filter scores 0 against anything, so it reaches t only when t is 0.
      lo[0] = t <= 0 ? 0 : 1;
      hi[0] = t <= 0 ? bits : 0;
      continue;
    }
    lo[p] = firstTrue(0, p, (q) => canReach(p, q, t)); // rising on [0, p], true at p
    hi[p] = firstTrue(p, bits + 1, (q) => !canReach(p, q, t)) - 1; // falling on [p, bits]
  }
  return { threshold: t, bits, need, lo, hi };
}

/** Smallest c in [0, s/2] with dice(c, s) ≥ t, or bits + 1 when there is none. */
function fewestCommon(t: number, s: number, bits: number): number {
  const max = Math.floor(s / 2);
  let c = Math.min(max, Math.max(0, Math.ceil((t * s) / 2) - 1));
  while (c > 0 && dice(c - 1, s) >= t) c--;
  while (c <= max && dice(c, s) < t) c++;
  return c <= max ? c : bits + 1;
}

/** Smallest x in [from, to) where the monotone `pred` holds, or `to`. */
function firstTrue(from: number, to: number, pred: (x: number) => boolean): number {
  let a = from;
  let b = to;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (pred(m)) b = m;
    else a = m + 1;
  }
  return a;
}
