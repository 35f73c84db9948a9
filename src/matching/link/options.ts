/**
 * Options of a linkage run, validated once at the boundary (CLI flags or an API request body)
 * and used as inferred types inside.
 */
import { z } from 'zod';
import { BLOCKING_DEFAULTS } from '../../blocking/buildIndex.js';

export const LINK_MODES = ['one-to-one', 'many-to-one', 'dedup', 'multi'] as const;
export type LinkMode = (typeof LINK_MODES)[number];

export const BLOCKING_MODES = ['auto', 'keys', 'lsh', 'keys+lsh', 'all-pairs'] as const;

export const LINK_DEFAULTS = {
  /**
   * Candidates below this are never kept. Low enough that the automatic threshold sees the
   * whole non-match hump's upper tail and every true match we have measured (lowest true-match
   * Dice on NCVR ≈ 0.6), high enough that random pairs (Dice ≈ 0.3) are not stored.
   */
  floor: 0.5,
  /**
   * Best candidates kept per record: the greedy solvers rarely need more than a few. One-to-one
   * scores the few records whose cut could change a link again with a larger k, so its links
   * are greedy over every candidate whatever this is (solve/exactOneToOne.ts).
   */
  topK: 8,
} as const;

export const linkOptionsSchema = z
  .object({
    mode: z.enum(LINK_MODES).default('one-to-one'),
    threshold: z.union([z.literal('auto'), z.number().min(0).max(1)]).default('auto'),
    floor: z.number().min(0).max(1).default(LINK_DEFAULTS.floor),
    topK: z.number().int().min(1).max(1024).default(LINK_DEFAULTS.topK),
    blocking: z.enum(BLOCKING_MODES).default('auto'),
    blockKeys: z.array(z.string().min(1)).optional(),
    lshThreshold: z.number().gt(0).lt(1).default(BLOCKING_DEFAULTS.lshThreshold),
    maxBlockPairs: z.number().int().positive().default(BLOCKING_DEFAULTS.maxBlockPairs),
    workers: z.number().int().min(0).max(256).default(2),
  })
  .refine((o) => o.threshold === 'auto' || o.threshold >= o.floor, {
    message: 'a fixed threshold below the candidate floor would miss pairs; lower --floor too',
    path: ['threshold'],
  });

export type LinkOptionsInput = z.input<typeof linkOptionsSchema>;
export type LinkOptions = z.infer<typeof linkOptionsSchema>;
