/**
 * Small stand-ins for the blocking builder and a brute-force scorer, for the scoring tests.
 * The index is built from one key per record and pass (−1: no key), as the real builder's
 * output looks: CSR of right records per block, ascending.
 */
import type { BlockIndex, BlockPass } from '../../src/blocking/types.js';
import { canReach, dice, type FilterStore } from '../../src/matching/kernel/index.js';

export function buildIndex(
  leftKeys: readonly (readonly number[])[],
  rightKeys: readonly (readonly number[])[],
  options: { selfLink?: boolean; shared?: boolean } = {},
): BlockIndex {
  const alloc = <T extends Int32Array | Uint32Array>(C: new (b: ArrayBufferLike) => T, n: number): T =>
    new C(options.shared ? new SharedArrayBuffer(4 * n) : new ArrayBuffer(4 * n));
  const passes: BlockPass[] = leftKeys.map((lk, p) => {
    const rk = rightKeys[p]!;
    const ids = new Map<number, number>();
    for (const k of [...lk, ...rk]) if (k >= 0 && !ids.has(k)) ids.set(k, ids.size);
    /** Each record's block (−1: no key), and the records of each block as CSR, ascending. */
    const side = (keys: readonly number[]) => {
      const block = alloc(Int32Array, keys.length);
      const offsets = alloc(Uint32Array, ids.size + 1);
      keys.forEach((k, r) => {
        block[r] = k >= 0 ? ids.get(k)! : -1;
        if (k >= 0) offsets[block[r]! + 1]!++;
      });
      for (let b = 0; b < ids.size; b++) offsets[b + 1]! += offsets[b]!;
      const fill = offsets.slice(0, ids.size);
      const members = alloc(Uint32Array, offsets[ids.size]!);
      block.forEach((b, r) => {
        if (b >= 0) members[fill[b]!++] = r;
      });
      return { block, offsets, members };
    };
    const right = side(rk);
    // Self-linking has one side: the left view is the right one (as the real builder makes it).
    const left = options.selfLink ? right : side(lk);
    return {
      name: `pass${p}`,
      kind: 'key',
      leftBlock: left.block,
      rightOffsets: right.offsets,
      rightMembers: right.members,
      leftOffsets: left.offsets,
      leftMembers: left.members,
      rightBlock: right.block,
    };
  });
  return {
    leftCount: leftKeys[0]?.length ?? 0,
    rightCount: rightKeys[0]?.length ?? 0,
    selfLink: options.selfLink ?? false,
    passes,
  };
}

export interface Scored {
  stats: { candidatePairs: number; comparisons: number; kept: number };
  /** "i j score" per kept pair, in output order. */
  pairs: string[];
}

function bitsSet(s: FilterStore, i: number): number {
  let n = 0;
  for (let b = 0; b < s.bits; b++) n += (s.bytes[i * s.bytesPerFilter + (b >>> 3)]! >>> (b & 7)) & 1;
  return n;
}

function common(A: FilterStore, i: number, B: FilterStore, j: number): number {
  let n = 0;
  for (let b = 0; b < A.bits; b++) {
    const x = A.bytes[i * A.bytesPerFilter + (b >>> 3)]! & B.bytes[j * B.bytesPerFilter + (b >>> 3)]!;
    n += (x >>> (b & 7)) & 1;
  }
  return n;
}

/**
 * The obvious scorer: for every left row, the set of right records sharing a key in any pass,
 * each scored bit by bit; rows in order, each row's pairs by right record (top-k: best first).
 */
export function bruteForce(
  index: BlockIndex,
  left: FilterStore,
  right: FilterStore,
  floor: number,
  topK?: number,
): Scored {
  let candidatePairs = 0;
  let comparisons = 0;
  const pairs: string[] = [];
  for (let i = 0; i < index.leftCount; i++) {
    const partners = new Set<number>();
    for (const p of index.passes) {
      const b = p.leftBlock[i]!;
      if (b < 0) continue;
      for (let m = p.rightOffsets[b]!; m < p.rightOffsets[b + 1]!; m++) {
        const j = p.rightMembers[m]!;
        if (!index.selfLink || j > i) partners.add(j);
      }
    }
    const row: { j: number; score: number }[] = [];
    for (const j of [...partners].sort((x, y) => x - y)) {
      candidatePairs++;
      const pa = bitsSet(left, i);
      const pb = bitsSet(right, j);
      if (canReach(pa, pb, floor)) comparisons++;
      const score = dice(common(left, i, right, j), pa + pb);
      if (score >= floor) row.push({ j, score });
    }
    if (topK !== undefined) {
      row.sort((x, y) => y.score - x.score || x.j - y.j);
      row.length = Math.min(row.length, topK);
    }
    for (const r of row) pairs.push(`${i} ${r.j} ${r.score}`);
  }
  return { stats: { candidatePairs, comparisons, kept: pairs.length }, pairs };
}

/** The result in the same form; `byRow` sorts each row's pairs by right record. */
export function asScored(
  r: {
    candidates: { aIndex: Uint32Array; bIndex: Uint32Array; score: Float64Array; length: number };
    stats: Scored['stats'];
  },
  byRow: boolean,
): Scored {
  const c = r.candidates;
  const idx = Array.from({ length: c.length }, (_, n) => n);
  if (byRow) idx.sort((x, y) => c.aIndex[x]! - c.aIndex[y]! || c.bIndex[x]! - c.bIndex[y]!);
  return { stats: { ...r.stats }, pairs: idx.map((n) => `${c.aIndex[n]} ${c.bIndex[n]} ${c.score[n]}`) };
}
