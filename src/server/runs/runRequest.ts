/**
 * The body of `POST /projects/:projectId/runs`, validated once at the boundary. Datasets are
 * given by id, in the order the mode reads them: many-to-one links datasets[0] (the "many") to
 * datasets[1] (the spine). Worker threads are the service's to decide, not the caller's.
 */
import { z } from 'zod';
import { BLOCKING_MODES, LINK_MODES, type LinkMode, linkOptionsSchema } from '../../matching/link/options.js';

/** How many datasets each mode links (runLink enforces the same; this fails at 400, not later). */
const DATASETS_PER_MODE: Record<LinkMode, readonly [number, number]> = {
  'one-to-one': [2, 2],
  'many-to-one': [2, 2],
  dedup: [1, 1],
  multi: [2, 64],
};

export const runRequestSchema = z
  .strictObject({
    datasets: z.array(z.string().min(1).max(100)).min(1).max(64),
    mode: z.enum(LINK_MODES).default('one-to-one'),
    threshold: z.union([z.literal('auto'), z.number().min(0).max(1)]).default('auto'),
    floor: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(1).max(1024).optional(),
    blocking: z.enum(BLOCKING_MODES).default('auto'),
    blockKeys: z.array(z.string().min(1).max(100)).max(32).optional(),
    lshThreshold: z.number().gt(0).lt(1).optional(),
    maxBlockPairs: z.number().int().positive().optional(),
  })
  .superRefine((r, ctx) => {
    const [min, max] = DATASETS_PER_MODE[r.mode];
    if (r.datasets.length < min || r.datasets.length > max)
      ctx.addIssue({
        code: 'custom',
        path: ['datasets'],
        message: `mode ${r.mode} links ${min === max ? min : `${min} to ${max}`} datasets, got ${r.datasets.length}`,
      });
    if (new Set(r.datasets).size !== r.datasets.length)
      ctx.addIssue({ code: 'custom', path: ['datasets'], message: 'a dataset is listed twice' });
    // The engine's own cross-field rules (threshold ≥ floor), reported with the same paths.
    const { datasets: _d, ...options } = r;
    const checked = linkOptionsSchema.safeParse(options);
    if (!checked.success)
      for (const issue of checked.error.issues) ctx.addIssue({ ...issue, code: 'custom' });
  });

export type RunRequest = z.infer<typeof runRequestSchema>;
