/**
 * Statistical disclosure control for feasibility counts (issue 5). The rule and its argument are
 * in docs/disclosure-control.md.
 */
export { type PublishedCell, publishCount } from './cell.js';
export { parseRawCounts, type RawFeasibilityCounts, RawFeasibilityCountsSchema } from './counts.js';
export {
  type PublishedBreakdown,
  type PublishedFeasibility,
  type PublishOptions,
  publishFeasibility,
} from './feasibility.js';
export { createDisclosureKey, type DisclosureKey } from './key.js';
export {
  DEFAULT_POLICY,
  type DisclosurePolicy,
  type DisclosurePolicyInput,
  DisclosurePolicySchema,
  minPublished,
  parsePolicy,
} from './policy.js';
