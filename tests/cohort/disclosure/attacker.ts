/**
 * An attacker who knows the published rule (docs/disclosure-control.md) but not the key. From a
 * published cell it infers an interval for the true count; from two published results whose
 * populations differ by an unknown "slice" of people, it finds every slice size consistent with
 * everything published. This model is written from the documented rule, not from the code; the
 * property tests check that the code never publishes outside it.
 */
import type { PublishedCell, PublishedFeasibility } from '../../../src/cohort/disclosure/index.js';

export type Interval = readonly [number, number];

/** 'keyed' is the default rule; 'nearest' is plain rounding, where the attacker knows more. */
export type Rounding = 'keyed' | 'nearest';

/** What a reader can infer from one cell under the default thresholds (8 and 5). */
export function inferInterval(
  c: PublishedCell,
  rounding: Rounding = 'keyed',
  zeroSuppressed = false,
): Interval {
  if (c.suppressed) return [zeroSuppressed ? 0 : 1, 7];
  const p = c.value!;
  if (p === 0) return [0, 0];
  // Keyed: a count n is published as 5⌊n/5⌋ or 5⌊n/5⌋+5 (at least 10), so n is in [p-5, p+4].
  // Nearest: n is within 2 of p. Either way an unsuppressed n is at least 8.
  return rounding === 'keyed' ? [Math.max(8, p - 5), p + 4] : [Math.max(8, p - 2), p + 2];
}

const intersect = (a: Interval, b: Interval): Interval => [Math.max(a[0], b[0]), Math.min(a[1], b[1])];
const empty = (a: Interval) => a[0] > a[1];

/** All ways to spread s people over k categories. */
function* compositions(s: number, k: number): Generator<number[]> {
  if (k === 1) {
    yield [s];
    return;
  }
  for (let first = 0; first <= s; first++)
    for (const rest of compositions(s - first, k - 1)) yield [first, ...rest];
}

type Dim = 'byRegion' | 'byAgeBand' | 'bySex';

/**
 * For one breakdown, the distinct intervals for B's total over every spread of the slice across
 * its categories (A = B + slice, cell by cell). `only` restricts the slice to categories the
 * attacker knows it lies in (e.g. the region that was dropped).
 */
function totalIntervals(
  a: PublishedFeasibility,
  b: PublishedFeasibility,
  dim: Dim,
  s: number,
  only: string | undefined,
  rounding: Rounding,
) {
  const cats = [...new Set([...Object.keys(a[dim]), ...Object.keys(b[dim])])].sort();
  const zero: PublishedCell = { value: 0, suppressed: false, display: '0' };
  const zs = a.policy.zero === 'suppress';
  const free = cats.filter((c) => only === undefined || c === only);
  const out = new Map<string, Interval>();
  for (const spread of compositions(s, free.length)) {
    let lo = 0;
    let hi = 0;
    let ok = true;
    for (const c of cats) {
      const y = free.includes(c) ? spread[free.indexOf(c)]! : 0;
      const ia = inferInterval(a[dim][c] ?? zero, rounding, zs);
      const ib = intersect(inferInterval(b[dim][c] ?? zero, rounding, zs), [ia[0] - y, ia[1] - y]);
      if (empty(ib)) {
        ok = false;
        break;
      }
      lo += ib[0];
      hi += ib[1];
    }
    if (ok) out.set(`${lo},${hi}`, [lo, hi]);
  }
  return [...out.values()];
}

/**
 * Is "the slice has s people" consistent with both results? Exact for these margins: if B's total
 * fits every breakdown's interval, cells within their intervals can be chosen to sum to it, and a
 * table with any given one-way margins of equal sum exists.
 */
export function consistent(
  a: PublishedFeasibility,
  b: PublishedFeasibility,
  s: number,
  knownRegion?: string,
): boolean {
  const rounding = a.policy.rounding;
  const zs = a.policy.zero === 'suppress';
  const ta = inferInterval(a.total, rounding, zs);
  let base = intersect(inferInterval(b.total, rounding, zs), [ta[0] - s, ta[1] - s]);
  if (empty(base)) return false;
  const lists = [
    totalIntervals(a, b, 'byRegion', s, knownRegion, rounding),
    totalIntervals(a, b, 'byAgeBand', s, undefined, rounding),
    totalIntervals(a, b, 'bySex', s, undefined, rounding),
  ];
  const search = (i: number, acc: Interval): boolean =>
    i === lists.length ||
    lists[i]!.some((iv) => !empty(intersect(acc, iv)) && search(i + 1, intersect(acc, iv)));
  base = intersect(base, [0, Number.MAX_SAFE_INTEGER]);
  return search(0, base);
}

/** Every slice size in [0, max] the attacker cannot rule out. */
export function candidateSizes(
  a: PublishedFeasibility,
  b: PublishedFeasibility,
  max: number,
  knownRegion?: string,
): number[] {
  const out: number[] = [];
  for (let s = 0; s <= max; s++) if (consistent(a, b, s, knownRegion)) out.push(s);
  return out;
}
