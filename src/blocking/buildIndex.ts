/**
 * Builds the block index of a run from two encoded datasets (or one, for deduplication):
 * keyed passes from the encoder's HMAC block keys, LSH passes from the filters themselves, or
 * one all-pairs block. The service never sees what a keyed block key was made from; it only
 * needs equal keys to mean "same block".
 */
import { CohortlinkError } from '../errors.js';
import { type BuiltPass, buildPass, type PassStats } from './blockPass.js';
import { bandKeys, bandPositions } from './lshKeys.js';
import { chooseLshParameters, type LshParameters } from './lshParameters.js';
import type { BlockIndex, BlockingRecords } from './types.js';

export type BlockingMode = 'auto' | 'keys' | 'lsh' | 'keys+lsh' | 'all-pairs';

export interface BlockingOptions {
  readonly mode: BlockingMode;
  /** Keyed passes to use (default: every key both datasets carry). */
  readonly keys?: readonly string[];
  /** Dice threshold LSH parameters are chosen to keep (pairs at it are found with ≥ 99%). */
  readonly lshThreshold?: number;
  /** Blocks with more pairs than this are left out of their pass and reported. */
  readonly maxBlockPairs?: number;
  /** `auto` compares all pairs up to this many. */
  readonly allPairsLimit?: number;
}

export const BLOCKING_DEFAULTS = {
  lshThreshold: 0.75,
  maxBlockPairs: 1_000_000,
  allPairsLimit: 50_000_000,
} as const;

export interface BlockingReport {
  readonly mode: Exclude<BlockingMode, 'auto'>;
  readonly requestedMode: BlockingMode;
  readonly totalPairs: number;
  readonly passes: readonly PassStats[];
  readonly lsh: LshParameters | null;
  /**
   * Left records that share a block with no right record in any pass (self-linking: records
   * that share a block with no other record): no pass puts them forward, so they cannot link.
   */
  readonly unblockedLeft: number;
  /** Right records that share a block with no left record in any pass (self-linking: as left). */
  readonly unblockedRight: number;
}

export interface BuiltIndex {
  readonly index: BlockIndex;
  readonly report: BlockingReport;
  /** Per pass, each right record's block id; for pair completeness. */
  readonly rightBlocks: readonly Int32Array[];
}

export function buildBlockIndex(
  left: BlockingRecords,
  right: BlockingRecords | 'self',
  options: BlockingOptions,
): BuiltIndex {
  const selfLink = right === 'self';
  const r = right === 'self' ? left : right;
  const nL = left.store.count;
  const nR = r.store.count;
  const totalPairs = selfLink ? (nL * (nL - 1)) / 2 : nL * nR;
  const maxBlockPairs = options.maxBlockPairs ?? BLOCKING_DEFAULTS.maxBlockPairs;
  const commonKeys = left.header.blockKeys.filter((k) => r.header.blockKeys.includes(k));
  const keys = options.keys ?? commonKeys;
  const missing = keys.filter((k) => !commonKeys.includes(k));
  if (missing.length > 0)
    throw new CohortlinkError(
      'CL_USAGE',
      `block key${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not carried by both encodings (they have: ${commonKeys.join(', ') || 'none'})`,
    );
  const lshThreshold = options.lshThreshold ?? BLOCKING_DEFAULTS.lshThreshold;
  const lshFor = (): LshParameters =>
    chooseLshParameters({
      filterBits: left.store.bits,
      meanPopcount: meanPopcount(left, r),
      threshold: lshThreshold,
      leftCount: nL,
      rightCount: selfLink ? nL / 2 : nR,
    });

  let mode: Exclude<BlockingMode, 'auto'>;
  let lsh: LshParameters | null = null;
  if (options.mode !== 'auto') mode = options.mode;
  else if (totalPairs <= (options.allPairsLimit ?? BLOCKING_DEFAULTS.allPairsLimit)) mode = 'all-pairs';
  else if (keys.length === 0) mode = 'lsh';
  else {
    // Add LSH to the keyed passes only where it is cheap next to them.
    lsh = lshFor();
    mode = lsh.expectedRandomPairs <= 20 * (nL + nR) ? 'keys+lsh' : 'keys';
    if (mode === 'keys') lsh = null;
  }
  if ((mode === 'keys' || mode === 'keys+lsh') && keys.length === 0)
    throw new CohortlinkError(
      'CL_USAGE',
      'the encodings carry no common block keys; use --blocking lsh or all-pairs',
    );

  const built: BuiltPass[] = [];
  const common = { selfLink, maxBlockPairs };
  if (mode === 'all-pairs') {
    built.push(
      buildPass({
        name: 'all-pairs',
        kind: 'key',
        leftIds: new Int32Array(nL),
        rightIds: selfLink ? new Int32Array(nL) : new Int32Array(nR),
        blocks: 1,
        ...common,
        maxBlockPairs: Number.POSITIVE_INFINITY,
      }),
    );
  }
  if (mode === 'keys' || mode === 'keys+lsh')
    for (const name of keys) built.push(keyPass(name, left, r, selfLink, maxBlockPairs));
  if (mode === 'lsh' || mode === 'keys+lsh') {
    lsh ??= lshFor();
    const positions = bandPositions(left.store.bits, lsh);
    positions.forEach((pos, band) => {
      built.push(lshPass(`lsh:${band}`, pos, left, r, selfLink, maxBlockPairs));
    });
  }

  const index: BlockIndex = {
    leftCount: nL,
    rightCount: selfLink ? nL : nR,
    selfLink,
    passes: built.map((b) => b.pass),
  };
  return {
    index,
    rightBlocks: built.map((b) => b.rightBlock),
    report: {
      mode,
      requestedMode: options.mode,
      totalPairs,
      passes: built.map((b) => b.stats),
      lsh,
      unblockedLeft: countUnblocked(index, 'left'),
      unblockedRight: countUnblocked(index, 'right'),
    },
  };
}

function keyPass(
  name: string,
  left: BlockingRecords,
  right: BlockingRecords,
  selfLink: boolean,
  cap: number,
): BuiltPass {
  const rCol = right.blockKeys.get(name)!;
  const base = { name, kind: 'key' as const, selfLink, maxBlockPairs: cap, blocks: rCol.keys.size };
  if (selfLink) return buildPass({ ...base, leftIds: rCol.ids, rightIds: rCol.ids });
  const lCol = left.blockKeys.get(name)!;
  // Map the left dataset's key ids into the right's: a key only the left has gets -1.
  const translate = new Int32Array(lCol.keys.size);
  for (let id = 0; id < translate.length; id++)
    translate[id] = rCol.keys.lookup(lCol.keys.hi[id]!, lCol.keys.lo[id]!);
  const leftIds = new Int32Array(lCol.ids.length);
  for (let i = 0; i < leftIds.length; i++) {
    const id = lCol.ids[i]!;
    leftIds[i] = id < 0 ? -1 : translate[id]!;
  }
  return buildPass({ ...base, leftIds, rightIds: rCol.ids });
}

function lshPass(
  name: string,
  positions: Uint32Array,
  left: BlockingRecords,
  right: BlockingRecords,
  selfLink: boolean,
  cap: number,
): BuiltPass {
  const ids = new Map<number, number>();
  const intern = (keys: Uint32Array, addNew: boolean): Int32Array => {
    const out = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      let id = ids.get(keys[i]!);
      if (id === undefined) {
        if (!addNew) {
          out[i] = -1;
          continue;
        }
        id = ids.size;
        ids.set(keys[i]!, id);
      }
      out[i] = id;
    }
    return out;
  };
  const rightIds = intern(bandKeys(right.store, positions), true);
  const leftIds = selfLink ? rightIds : intern(bandKeys(left.store, positions), false);
  return buildPass({ name, kind: 'lsh', leftIds, rightIds, blocks: ids.size, selfLink, maxBlockPairs: cap });
}

function meanPopcount(a: BlockingRecords, b: BlockingRecords): number {
  let sum = 0;
  for (const p of a.store.popcounts) sum += p;
  for (const p of b.store.popcounts) sum += p;
  const n = a.store.count + b.store.count;
  return n === 0 ? a.store.bits / 3 : sum / n;
}

/**
 * Records of one side that share a block with no record of the other side in any pass (under
 * self-linking: with no other record), so no pass can put them forward. A record with a key
 * whose block holds only its own side counts, as does one whose block was capped (it carries
 * -1 in that pass, and the capped block's member lists are empty).
 */
export function countUnblocked(index: BlockIndex, side: 'left' | 'right'): number {
  const n = side === 'left' ? index.leftCount : index.rightCount;
  // Self-linking has one member list per block, and a record's own block holds the record.
  const needed = index.selfLink ? 2 : 1;
  let count = 0;
  for (let i = 0; i < n; i++) {
    let blocked = false;
    for (let p = 0; p < index.passes.length && !blocked; p++) {
      const pass = index.passes[p]!;
      const b = side === 'left' ? pass.leftBlock[i]! : pass.rightBlock[i]!;
      if (b < 0) continue;
      const otherSide = side === 'left' ? pass.rightOffsets : pass.leftOffsets;
      blocked = otherSide[b + 1]! - otherSide[b]! >= needed;
    }
    if (!blocked) count++;
  }
  return count;
}

/**
 * Share of true pairs (left i, right j) that share a block in some pass: what blocking lets
 * through at best. Only meaningful with ground truth (evaluation runs).
 */
export function pairCompleteness(built: BuiltIndex, trueLeft: Uint32Array, trueRight: Uint32Array): number {
  if (trueLeft.length === 0) return 1;
  const { index, rightBlocks } = built;
  let found = 0;
  for (let t = 0; t < trueLeft.length; t++) {
    let i = trueLeft[t]!;
    let j = trueRight[t]!;
    if (index.selfLink && j < i) [i, j] = [j, i];
    for (let p = 0; p < index.passes.length; p++) {
      const b = index.passes[p]!.leftBlock[i]!;
      if (b >= 0 && b === rightBlocks[p]![j]) {
        found++;
        break;
      }
    }
  }
  return found / trueLeft.length;
}
