/**
 * Ambiguity for the reports: records whose best candidate has close rivals ("records with
 * several candidates close to the best one"). Two sequential passes, no sort.
 */
import { type CandidateArrays, type ConflictOptions, type Conflicts, SOLVE_DEFAULTS } from './types.js';
import { badIndex, OptionChecker } from './validate.js';

/**
 * For each record on one side, the number of its other candidates (at or above the threshold)
 * scoring at least best − margin, where best is its highest score. A candidate tied with the
 * best is a rival too.
 */
export function conflicts(c: CandidateArrays, options: ConflictOptions): Conflicts {
  const margin = options.margin ?? SOLVE_DEFAULTS.conflictMargin;
  const check = new OptionChecker('conflicts')
    .count('count', options.count)
    .unit('threshold', options.threshold);
  if (!(margin >= 0 && margin <= 1)) check.add('margin', 'must be a number in [0, 1]');
  if (options.side !== undefined && options.side !== 'left' && options.side !== 'right')
    check.add('side', "must be 'left' or 'right'");
  check.done();
  const { count, threshold } = options;
  const side = options.side === 'right' ? 'bIndex' : 'aIndex';
  const index = c[side];
  const { score } = c;

  const best = new Float64Array(count).fill(-1);
  for (let i = 0; i < c.length; i++) {
    const r = index[i]!;
    if (r >= count) badIndex(i, side, r, count);
    const s = score[i]!;
    if (s >= threshold && s > best[r]!) best[r] = s;
  }
  // Counts every candidate within the margin, the best included, then takes the best off.
  const closeRivals = new Uint32Array(count);
  for (let i = 0; i < c.length; i++) {
    const r = index[i]!;
    const s = score[i]!;
    if (s >= threshold && s >= best[r]! - margin) closeRivals[r]!++;
  }
  let withCandidates = 0;
  let conflicted = 0;
  for (let r = 0; r < count; r++) {
    if (closeRivals[r] === 0) continue;
    withCandidates++;
    if (--closeRivals[r]! > 0) conflicted++;
  }
  const records = new Uint32Array(conflicted);
  for (let r = 0, k = 0; r < count; r++) if (closeRivals[r]! > 0) records[k++] = r;
  return { closeRivals, records, recordsWithCandidates: withCandidates };
}
