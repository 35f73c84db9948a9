import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';

const count = z.number().int().min(0);
const breakdown = z.record(z.string().min(1), count);

/**
 * The evaluator's raw (true) counts for one feasibility query. These never leave the service;
 * only what publishFeasibility makes of them does.
 */
export const RawFeasibilityCountsSchema = z
  .object({
    total: count,
    byRegion: breakdown,
    byAgeBand: breakdown,
    bySex: breakdown,
    excluded: z.object({ deceased: count, optedOut: count }).strict(),
    /** Eligible totals if links just above the threshold were dropped (low) or links just below
     * it were accepted (high). */
    linkageRange: z.object({ low: count, high: count }).strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.linkageRange.low > c.total || c.linkageRange.high < c.total) {
      ctx.addIssue({ code: 'custom', path: ['linkageRange'], message: 'must satisfy low <= total <= high' });
    }
    for (const dim of ['byRegion', 'byAgeBand', 'bySex'] as const) {
      const sum = Object.values(c[dim]).reduce((a, b) => a + b, 0);
      // A breakdown may leave people out (no recorded region), never count more than exist.
      if (sum > c.total)
        ctx.addIssue({ code: 'custom', path: [dim], message: `sums to ${sum}, above total` });
    }
  });

export type RawFeasibilityCounts = z.output<typeof RawFeasibilityCountsSchema>;

/** The counts come from our own evaluator, so a bad shape is a bug here, not a user error. */
export function parseRawCounts(input: unknown): RawFeasibilityCounts {
  const parsed = RawFeasibilityCountsSchema.safeParse(input);
  if (!parsed.success) {
    throw new CohortlinkError('CL_INTERNAL', 'invalid raw feasibility counts', issuesFromZod(parsed.error));
  }
  return parsed.data;
}
