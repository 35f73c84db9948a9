import type { DisclosureKey } from './key.js';
import { type DisclosurePolicy, minPublished, suppressedLabel } from './policy.js';

/** One published number. `value` is null exactly when `suppressed` is true. */
export interface PublishedCell {
  readonly value: number | null;
  readonly suppressed: boolean;
  /** What a table shows: "105", "0" or "<8". */
  readonly display: string;
}

/**
 * Publishes one count. The cell id names *what* is counted (e.g. "region:E54000027"), never the
 * criteria that selected the people: a re-worded query that counts the same number in the same
 * cell must not get a fresh rounding draw, or averaging over re-wordings would recover the count.
 */
export function publishCount(
  count: number,
  cellId: string,
  policy: DisclosurePolicy,
  key: DisclosureKey,
): PublishedCell {
  if (count === 0 && policy.zero === 'publish') return { value: 0, suppressed: false, display: '0' };
  if (count < policy.suppressBelow)
    return { value: null, suppressed: true, display: suppressedLabel(policy) };
  const value = Math.max(roundCount(count, cellId, policy, key), minPublished(policy));
  return { value, suppressed: false, display: String(value) };
}

/**
 * Keyed rounding: every count n goes to base·⌊n/base⌋ ("down") or the next multiple up, so each
 * count, multiples of the base included, has exactly two possible published values. The chance
 * of "up" is (2j+1)/(2·base) for remainder j (0.1, 0.3, 0.5, 0.7, 0.9 for base 5): usually the
 * nearest multiple, with the same +0.5 expected error for every remainder, so no remainder can be
 * told apart by how often it rounds up. Why two values for every count: see the document.
 */
function roundCount(count: number, cellId: string, policy: DisclosurePolicy, key: DisclosureKey): number {
  const base = policy.roundTo;
  const down = Math.floor(count / base) * base;
  const j = count - down;
  if (policy.rounding === 'nearest') return 2 * j >= base ? down + base : down;
  const pUp = (2 * j + 1) / (2 * base);
  return key.uniform(cellId, count) < pUp ? down + base : down;
}
