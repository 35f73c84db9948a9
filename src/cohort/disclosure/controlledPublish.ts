/**
 * Publishes a planned answer: fresh cells through the keyed rule (publishCount), copied cells
 * exactly as their source was shown. Returns the answer in publishFeasibility's shape and the
 * cells to keep in the query ledger for later overlap checks.
 */
import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';
import { type PublishedCell, publishCount } from './cell.js';
import type { DisclosureKey } from './key.js';
import { describeDisclosure } from './note.js';
import type { AnsweredCell, AnsweredQuery, AnswerPlan } from './overlapControl.js';
import { DEFAULT_POLICY, type DisclosurePolicy } from './policy.js';

export type ControlledBreakdown = Readonly<Record<string, PublishedCell>>;

export interface ControlledFeasibility {
  readonly total: PublishedCell;
  readonly byRegion: ControlledBreakdown;
  readonly byAgeBand: ControlledBreakdown;
  readonly bySex: ControlledBreakdown;
  /** One cell per exclusion reason of the layout (deceased, optedOut, …). */
  readonly excluded: ControlledBreakdown;
  readonly linkageRange: { readonly low: PublishedCell; readonly high: PublishedCell };
  /** Every cell shown as suppressed, by path ("total", "byRegion.E54000027", …). */
  readonly suppressedCells: readonly string[];
  readonly policy: DisclosurePolicy;
  readonly note: string;
}

export interface PublishPlanOptions {
  readonly key: DisclosureKey;
  readonly policy?: DisclosurePolicy;
  /** The same history the plan was made against (for copying a linkage range). */
  readonly history: readonly AnsweredQuery[];
  /** Eligible totals at the looser and stricter linkage (feasibilityCounts' linkageRange). */
  readonly linkageRange: { readonly low: number; readonly high: number };
}

const RangeSchema = z.object({ low: z.number().int().min(0), high: z.number().int().min(0) }).strict();

export const OVERLAP_NOTE =
  'A figure whose people differ by at most 7 from a figure already shown to your organisation for ' +
  'this run is shown exactly as that figure was, so two answers never differ by a small group of ' +
  'people; such a figure can be up to 7 people further from its own count.';

export function publishPlan(
  plan: AnswerPlan,
  opts: PublishPlanOptions,
): { readonly feasibility: ControlledFeasibility; readonly cells: readonly AnsweredCell[] } {
  const policy = opts.policy ?? DEFAULT_POLICY;
  const range = RangeSchema.safeParse(opts.linkageRange);
  if (!range.success)
    throw new CohortlinkError('CL_INTERNAL', 'invalid linkage range', issuesFromZod(range.error));
  const totalCount = plan.cells.find((c) => c.path === 'total')?.count;
  if (totalCount === undefined || range.data.low > totalCount || range.data.high < totalCount)
    throw new CohortlinkError('CL_INTERNAL', 'the linkage range must satisfy low <= total <= high');

  const shown = new Map<string, PublishedCell>();
  const kept: AnsweredCell[] = [];
  for (const c of plan.cells) {
    const s =
      c.copyOf === undefined
        ? publishCount(c.count, c.cellId, policy, opts.key)
        : c.copyOf.queryId === null
          ? shown.get(c.copyOf.path)!
          : c.copyOf.shown;
    shown.set(c.path, s);
    kept.push({ path: c.path, cellId: c.cellId, count: c.count, fresh: c.copyOf === undefined, shown: s });
  }
  const total = shown.get('total')!;
  const { low, high } = linkageRange(plan, opts, total, range.data, policy);
  kept.push(
    { path: 'linkageRange.low', cellId: 'total', count: range.data.low, fresh: false, shown: low },
    { path: 'linkageRange.high', cellId: 'total', count: range.data.high, fresh: false, shown: high },
  );

  const group = (prefix: string): ControlledBreakdown =>
    Object.fromEntries(
      plan.cells
        .filter((c) => c.path.startsWith(`${prefix}.`))
        .map((c) => [c.path.slice(prefix.length + 1), shown.get(c.path)!]),
    );
  const suppressedCells = kept.filter((c) => c.shown.suppressed).map((c) => c.path);
  const result = {
    total,
    byRegion: group('byRegion'),
    byAgeBand: group('byAgeBand'),
    bySex: group('bySex'),
    excluded: group('excluded'),
    linkageRange: { low, high },
    suppressedCells,
    policy,
  };
  return { feasibility: { ...result, note: `${describeDisclosure(result)} ${OVERLAP_NOTE}` }, cells: kept };
}

/**
 * The range ends are totals of the same criteria under another grouping of people, rounded under
 * the total's cell id. A fresh total gets fresh ends (clamped as publishFeasibility does). A total
 * shown as an earlier answer's total shows that answer's range too: fresh ends around a copied
 * total would be a second, independent draw of the very count the copy hides. A total copied from
 * any other cell has no range of its own to copy, so its ends are the total.
 */
function linkageRange(
  plan: AnswerPlan,
  opts: PublishPlanOptions,
  total: PublishedCell,
  range: { low: number; high: number },
  policy: DisclosurePolicy,
): { low: PublishedCell; high: PublishedCell } {
  const source = plan.cells.find((c) => c.path === 'total')!.copyOf;
  if (source === undefined) {
    return {
      low: clamp(publishCount(range.low, 'total', policy, opts.key), total, 'low'),
      high: clamp(publishCount(range.high, 'total', policy, opts.key), total, 'high'),
    };
  }
  const earlier = source.queryId === null ? undefined : opts.history.find((q) => q.id === source.queryId);
  const end = (path: string) => earlier?.cells.find((c) => c.path === path)?.shown;
  const low = source.path === 'total' ? end('linkageRange.low') : undefined;
  const high = source.path === 'total' ? end('linkageRange.high') : undefined;
  return low !== undefined && high !== undefined ? { low, high } : { low: total, high: total };
}

/** As in feasibility.ts: an end rounded to the wrong side of the published total is moved to it. */
function clamp(end: PublishedCell, total: PublishedCell, side: 'low' | 'high'): PublishedCell {
  if (end.value === null || total.value === null) return end;
  const value = side === 'low' ? Math.min(end.value, total.value) : Math.max(end.value, total.value);
  return value === end.value ? end : { value, suppressed: false, display: String(value) };
}
