/**
 * Limits on one criteria request. Criteria arrive from researchers over HTTP, so every size
 * that drives memory or time is bounded here, once: each predicate costs one pass over the
 * people (and, for events, over their events), so the predicate count bounds the work.
 */
export const CRITERIA_LIMITS = {
  /** Nesting of all / any / not; real eligibility criteria rarely go past 3. */
  maxDepth: 8,
  /** Leaf predicates (age, sex, region, event) in the whole request: one scan each. */
  maxPredicates: 64,
  /** Children of one all / any. */
  maxChildren: 32,
  /** Code patterns in one event predicate (a long value set such as a drug list). */
  maxCodesPerPredicate: 512,
  /** Region codes in one region predicate (England has 42 ICBs, ~100 sub-ICB locations). */
  maxRegionsPerPredicate: 256,
  /** Largest `atLeast`; per-person counters are small integers. */
  maxAtLeast: 1000,
  /** Longest code pattern, in characters (SNOMED CT ids are at most 18 digits). */
  maxCodeLength: 32,
  /** JSON nesting checked before validation, so a hostile body cannot exhaust the stack. */
  maxJsonDepth: 64,
} as const;
