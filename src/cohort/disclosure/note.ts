import type { PublishedCell } from './cell.js';
import type { DisclosurePolicy } from './policy.js';

interface Described {
  readonly total: PublishedCell;
  readonly suppressedCells: readonly string[];
  readonly policy: DisclosurePolicy;
}

/** A plain-language account of what was done to the numbers, for the researcher and reviewers. */
export function describeDisclosure(r: Described): string {
  const p = r.policy;
  const parts: string[] = [];
  parts.push(
    `Counts from 1 to ${p.suppressBelow - 1} are suppressed and shown as "<${p.suppressBelow}"` +
      (p.zero === 'suppress' ? ', and so are zeros.' : '; zeros are shown as 0.'),
  );
  if (p.roundTo > 1) {
    parts.push(
      p.rounding === 'keyed'
        ? `Every other count is rounded to a multiple of ${p.roundTo}, usually the nearest, sometimes the one on ` +
            `the other side; the choice is fixed by a secret key and the count, so asking again gives the same ` +
            `answer. A published figure can differ from the true count by up to ${p.roundTo}.`
        : `Every other count is rounded to the nearest multiple of ${p.roundTo}.`,
    );
  }
  parts.push(
    'The total and each breakdown are rounded separately, so cells need not add up to the total; ' +
      'the linkage range is the total if borderline links were rejected (low) or accepted (high).',
  );
  if (r.suppressedCells.length > 0) {
    parts.push(`Suppressed here: ${r.suppressedCells.length} cell(s) (${r.suppressedCells.join(', ')}).`);
  }
  return parts.join(' ');
}
