import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';

/**
 * The disclosure-control policy. Defaults follow NHS practice for published counts: 1–7
 * suppressed, everything else on a multiple of 5. Zero is suppressed like 1–7 by default: an
 * exact 0 is a definite fact ("none of these two known people has condition X"), and a reader
 * who can tell 0 from 1–7 can tell whether one person is in a cell. `zero: 'publish'` remains
 * for data where that does not matter. See docs/disclosure-control.md for the rule and why it
 * holds.
 */
export const DisclosurePolicySchema = z
  .object({
    /** Non-zero counts below this are suppressed (8 ⇒ 1–7 suppressed). */
    suppressBelow: z.number().int().min(1).max(1000).default(8),
    /** Published counts are multiples of this. */
    roundTo: z.number().int().min(1).max(1000).default(5),
    zero: z.enum(['publish', 'suppress']).default('suppress'),
    /**
     * 'keyed': each cell goes to one of the two multiples either side of it, chosen by a keyed
     * hash (the protection against differencing and boundary probing depends on this).
     * 'nearest': plain rounding, for comparison only; it does not carry the guarantees.
     */
    rounding: z.enum(['keyed', 'nearest']).default('keyed'),
  })
  .strict();

export type DisclosurePolicy = z.output<typeof DisclosurePolicySchema>;
export type DisclosurePolicyInput = z.input<typeof DisclosurePolicySchema>;

export const DEFAULT_POLICY: DisclosurePolicy = Object.freeze(DisclosurePolicySchema.parse({}));

/** Validates a policy from configuration or a request; unknown keys are errors, not ignored. */
export function parsePolicy(input: unknown = {}): DisclosurePolicy {
  const parsed = DisclosurePolicySchema.safeParse(input);
  if (!parsed.success) {
    throw new CohortlinkError('CL_USAGE', 'invalid disclosure-control policy', issuesFromZod(parsed.error));
  }
  return parsed.data;
}

/**
 * The smallest value a non-suppressed, non-zero count may be published as: the first multiple
 * of `roundTo` at or above `suppressBelow`, and never 0 (so a non-zero count never reads as
 * zero and never lands inside the suppressed range).
 */
export function minPublished(policy: DisclosurePolicy): number {
  return Math.max(policy.roundTo, Math.ceil(policy.suppressBelow / policy.roundTo) * policy.roundTo);
}

/** The label readers see for a suppressed cell, e.g. "<8" (true whether or not zero is suppressed). */
export function suppressedLabel(policy: DisclosurePolicy): string {
  return `<${policy.suppressBelow}`;
}
