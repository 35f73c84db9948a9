/**
 * Scoring some left rows again: the scoring stage over a copy of the block index whose left side
 * holds only the chosen rows (every other row blockless, the left CSR filtered), so the same
 * passes put forward the same pairs of those rows, deduplicated the same way, and nothing else
 * is compared. Used to widen the top-k lists of the few rows that need more candidates.
 *
 * No top-k table here: a table has k slots for every left row of the dataset, chosen or not
 * (1M rows at k = 64: 512 MB); without one the tasks send back only the chosen rows' pairs.
 */
import type { BlockIndex, BlockPass } from '../../blocking/types.js';
import { CohortlinkError } from '../../errors.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { scoreCandidates } from './scoreCandidates.js';
import type { ScoreOptions, ScoreResult } from './types.js';

/**
 * `index` with only `rows` (ascending, distinct left rows) left on its left side. The right side
 * is shared with `index`, not copied; the new arrays are on SharedArrayBuffers, so scoring
 * threads read them without a further copy. Not for self-linking, whose two sides are one.
 */
export function restrictLeft(index: BlockIndex, rows: Uint32Array): BlockIndex {
  if (index.selfLink)
    throw new CohortlinkError('CL_INTERNAL', 'restrictLeft: a self-linking index has one side');
  for (let x = 0; x < rows.length; x++)
    if (rows[x]! >= index.leftCount || (x > 0 && rows[x]! <= rows[x - 1]!))
      throw new CohortlinkError(
        'CL_INTERNAL',
        `restrictLeft: rows must be ascending left rows below ${index.leftCount} (row ${rows[x]} at ${x})`,
      );
  const passes = index.passes.map((p): BlockPass => {
    const blocks = p.rightOffsets.length - 1;
    const leftBlock = new Int32Array(new SharedArrayBuffer(4 * index.leftCount)).fill(-1);
    const leftOffsets = new Uint32Array(new SharedArrayBuffer(4 * (blocks + 1)));
    let members = 0;
    for (const r of rows) {
      const b = p.leftBlock[r]!;
      leftBlock[r] = b;
      if (b >= 0) {
        leftOffsets[b + 1]!++;
        members++;
      }
    }
    for (let b = 0; b < blocks; b++) leftOffsets[b + 1]! += leftOffsets[b]!;
    // Rows ascend, so each block's members come out ascending, as the CSR requires.
    const leftMembers = new Uint32Array(new SharedArrayBuffer(4 * members));
    const fill = leftOffsets.slice(0, blocks);
    for (const r of rows) {
      const b = leftBlock[r]!;
      if (b >= 0) leftMembers[fill[b]!++] = r;
    }
    return { ...p, leftBlock, leftOffsets, leftMembers };
  });
  return { ...index, passes };
}

/**
 * The candidates of `rows` (ascending) as scoreCandidates gives them for the whole index: every
 * pair at or above the floor that some pass puts forward, counted once, and with `topK` each
 * row's k best, best first (ties: lower right row). In row order.
 */
export function rescoreRows(
  index: BlockIndex,
  left: FilterStore,
  right: FilterStore,
  floor: number,
  rows: Uint32Array,
  options: ScoreOptions = {},
): Promise<ScoreResult> {
  return scoreCandidates(restrictLeft(index, rows), left, right, floor, { ...options, topKTable: false });
}
