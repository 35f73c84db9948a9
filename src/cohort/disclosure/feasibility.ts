import { type PublishedCell, publishCount } from './cell.js';
import { parseRawCounts } from './counts.js';
import type { DisclosureKey } from './key.js';
import { describeDisclosure } from './note.js';
import { DEFAULT_POLICY, type DisclosurePolicy } from './policy.js';

export type PublishedBreakdown = Readonly<Record<string, PublishedCell>>;

export interface PublishedFeasibility {
  readonly total: PublishedCell;
  readonly byRegion: PublishedBreakdown;
  readonly byAgeBand: PublishedBreakdown;
  readonly bySex: PublishedBreakdown;
  readonly excluded: { readonly deceased: PublishedCell; readonly optedOut: PublishedCell };
  readonly linkageRange: { readonly low: PublishedCell; readonly high: PublishedCell };
  /** Every cell that was suppressed, as "total", "byRegion.E54000027", "excluded.optedOut"… */
  readonly suppressedCells: readonly string[];
  readonly policy: DisclosurePolicy;
  readonly note: string;
}

export interface PublishOptions {
  readonly key: DisclosureKey;
  readonly policy?: DisclosurePolicy;
}

/**
 * Applies disclosure control to one feasibility result. Pure: the same counts, key and policy
 * always give the same output. Each cell is published on its own (totals are not the sum of
 * published cells), keyed by what it counts rather than by the query, so repeated and re-worded
 * queries see the same numbers for the same true counts.
 */
export function publishFeasibility(raw: unknown, opts: PublishOptions): PublishedFeasibility {
  const counts = parseRawCounts(raw);
  const policy = opts.policy ?? DEFAULT_POLICY;
  const suppressed: string[] = [];
  const cell = (n: number, cellId: string, path: string): PublishedCell => {
    const out = publishCount(n, cellId, policy, opts.key);
    if (out.suppressed) suppressed.push(path);
    return out;
  };
  const breakdown = (dim: string, m: Record<string, number>): PublishedBreakdown => {
    // Sorted so the output (and its JSON) does not depend on the evaluator's iteration order.
    const cats = Object.keys(m).sort();
    return Object.fromEntries(cats.map((c) => [c, cell(m[c]!, `${dim}:${c}`, `${dim}.${c}`)]));
  };

  const total = cell(counts.total, 'total', 'total');
  // The range ends are totals under other thresholds, so they share the total's cell id: if no
  // link is borderline they equal the total and publish exactly as it does.
  const low = clampRange(cell(counts.linkageRange.low, 'total', 'linkageRange.low'), total, 'low');
  const high = clampRange(cell(counts.linkageRange.high, 'total', 'linkageRange.high'), total, 'high');
  const result = {
    total,
    byRegion: breakdown('byRegion', counts.byRegion),
    byAgeBand: breakdown('byAgeBand', counts.byAgeBand),
    bySex: breakdown('bySex', counts.bySex),
    excluded: {
      deceased: cell(counts.excluded.deceased, 'excluded:deceased', 'excluded.deceased'),
      optedOut: cell(counts.excluded.optedOut, 'excluded:optedOut', 'excluded.optedOut'),
    },
    linkageRange: { low, high },
    suppressedCells: suppressed,
    policy,
  };
  return { ...result, note: describeDisclosure(result) };
}

/**
 * Rounded independently, a range end can land on the wrong side of the rounded total (e.g. low
 * 104 → 100 but total 105 → 105 is fine, while low 103 → 105 and total 104 → 100 is not). Clamping
 * to the published total uses only published numbers, so it reveals nothing new.
 */
function clampRange(end: PublishedCell, total: PublishedCell, side: 'low' | 'high'): PublishedCell {
  if (end.value === null || total.value === null) return end;
  const value = side === 'low' ? Math.min(end.value, total.value) : Math.max(end.value, total.value);
  return value === end.value ? end : { value, suppressed: false, display: String(value) };
}
