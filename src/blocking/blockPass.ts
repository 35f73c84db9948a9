/**
 * One blocking pass from block ids already in a common id space: the right side's CSR, the
 * left side's block per record, and the pass's statistics. Blocks whose pair count exceeds the
 * cap are taken out of the pass explicitly (their left records get block -1 in this pass) and
 * reported, so a reviewer sees what blocking gave up; other passes may still pair them.
 */
import type { BlockPass, PassKind } from './types.js';

export interface PassStats {
  readonly name: string;
  readonly kind: PassKind;
  /** Blocks with records on both sides (for self-linking: with two or more records). */
  readonly blocks: number;
  /** Pairs the pass puts forward before deduplication across passes (after capping). */
  readonly pairs: number;
  readonly largestBlockPairs: number;
  readonly leftWithoutKey: number;
  readonly rightWithoutKey: number;
  readonly cappedBlocks: number;
  readonly cappedPairs: number;
  /** Left records (self-linking: records) whose block in this pass was capped. */
  readonly cappedRecords: number;
  /** Blocks by pair count: buckets of at most `maxPairs` pairs (null: the open last bucket). */
  readonly sizeHistogram: readonly HistogramBucket[];
}

export interface BuiltPass {
  readonly pass: BlockPass;
  /** Per right record its block id (-1 without a key); used to measure pair completeness. */
  readonly rightBlock: Int32Array;
  readonly stats: PassStats;
}

export interface HistogramBucket {
  readonly maxPairs: number | null;
  blocks: number;
}

/** Upper bounds of the block-size histogram buckets, in pairs; the last bucket is open. */
export const HISTOGRAM_BOUNDS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, Number.POSITIVE_INFINITY];

export interface PassInput {
  readonly name: string;
  readonly kind: PassKind;
  /** Per left record: block id in [0, blocks) or -1. */
  readonly leftIds: Int32Array;
  /** Per right record: block id in [0, blocks) or -1. Same array as leftIds when self-linking. */
  readonly rightIds: Int32Array;
  readonly blocks: number;
  readonly selfLink: boolean;
  readonly maxBlockPairs: number;
}

export function buildPass(input: PassInput): BuiltPass {
  const { leftIds, rightIds, blocks, selfLink } = input;
  const rightSize = new Uint32Array(blocks);
  let rightWithoutKey = 0;
  for (let j = 0; j < rightIds.length; j++) {
    const b = rightIds[j]!;
    if (b < 0) rightWithoutKey++;
    else rightSize[b]!++;
  }
  const leftSize = selfLink ? rightSize : new Uint32Array(blocks);
  let leftWithoutKey = selfLink ? rightWithoutKey : 0;
  if (!selfLink)
    for (let i = 0; i < leftIds.length; i++) {
      const b = leftIds[i]!;
      if (b < 0) leftWithoutKey++;
      else leftSize[b]!++;
    }

  const capped = new Uint8Array(blocks);
  const histogram: HistogramBucket[] = HISTOGRAM_BOUNDS.map((bound) => ({
    maxPairs: Number.isFinite(bound) ? bound : null,
    blocks: 0,
  }));
  let blocksUsed = 0;
  let pairs = 0;
  let largest = 0;
  let cappedBlocks = 0;
  let cappedPairs = 0;
  let cappedRecords = 0;
  for (let b = 0; b < blocks; b++) {
    const n = selfLink ? (rightSize[b]! * (rightSize[b]! - 1)) / 2 : leftSize[b]! * rightSize[b]!;
    if (n === 0) continue;
    if (n > input.maxBlockPairs) {
      capped[b] = 1;
      cappedBlocks++;
      cappedPairs += n;
      cappedRecords += leftSize[b]!;
      continue;
    }
    blocksUsed++;
    pairs += n;
    if (n > largest) largest = n;
    let h = 0;
    while (n > HISTOGRAM_BOUNDS[h]!) h++;
    histogram[h]!.blocks++;
  }

  const rightOffsets = sharedUint32(blocks + 1);
  for (let b = 0; b < blocks; b++) rightOffsets[b + 1] = rightOffsets[b]! + (capped[b] ? 0 : rightSize[b]!);
  const rightMembers = sharedUint32(rightOffsets[blocks]!);
  const fill = new Uint32Array(blocks);
  for (let j = 0; j < rightIds.length; j++) {
    const b = rightIds[j]!;
    if (b < 0 || capped[b]) continue;
    rightMembers[rightOffsets[b]! + fill[b]!++] = j;
  }
  const leftBlock = sharedInt32(leftIds.length);
  for (let i = 0; i < leftIds.length; i++) {
    const b = leftIds[i]!;
    leftBlock[i] = b < 0 || capped[b] ? -1 : b;
  }
  // The block-wise scorer's view: left members per block, and each right record's block after
  // capping. Self-linking has one side, so both are the right side's arrays.
  let leftOffsets = rightOffsets;
  let leftMembers = rightMembers;
  let rightBlock = leftBlock;
  if (!selfLink) {
    leftOffsets = sharedUint32(blocks + 1);
    for (let b = 0; b < blocks; b++) leftOffsets[b + 1] = leftOffsets[b]! + (capped[b] ? 0 : leftSize[b]!);
    leftMembers = sharedUint32(leftOffsets[blocks]!);
    fill.fill(0);
    for (let i = 0; i < leftIds.length; i++) {
      const b = leftBlock[i]!;
      if (b >= 0) leftMembers[leftOffsets[b]! + fill[b]!++] = i;
    }
    rightBlock = sharedInt32(rightIds.length);
    for (let j = 0; j < rightIds.length; j++) {
      const b = rightIds[j]!;
      rightBlock[j] = b < 0 || capped[b] ? -1 : b;
    }
  }
  return {
    pass: {
      name: input.name,
      kind: input.kind,
      leftBlock,
      rightOffsets,
      rightMembers,
      leftOffsets,
      leftMembers,
      rightBlock,
    },
    rightBlock: rightIds,
    stats: {
      name: input.name,
      kind: input.kind,
      blocks: blocksUsed,
      pairs,
      largestBlockPairs: largest,
      leftWithoutKey,
      rightWithoutKey,
      cappedBlocks,
      cappedPairs,
      cappedRecords,
      sizeHistogram: histogram,
    },
  };
}

/** Typed arrays on SharedArrayBuffers: posted to worker threads without a copy. */
export function sharedUint32(n: number): Uint32Array {
  return new Uint32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}

export function sharedInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4), 0, n);
}
