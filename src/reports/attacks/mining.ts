/**
 * Frequent bit-pattern mining on record-level Bloom filters, the first half of the attack
 * (patternMining.ts aligns the patterns with public values).
 *
 * Every record with the same value of a q-gram-encoded field holds the same set of positions
 * (the value's tokens hashed under the secret key, the same for every record). For a common value
 * that set is a frequent itemset: dozens of positions held together by ~f·N records, where chance
 * alone (each position held by 30–50% of records) would give practically none. We find such sets
 * by growing them from a seed record:
 *
 *  1. the seed's positions, less context positions (held by most records: sex, century of
 *     birth) and those of patterns it already holds, are the candidates;
 *  2. one pass over all records gives each its overlap with the seed; unless enough records
 *     share well above chance the seed's values are rare and it is dropped, else the few hundred
 *     records sharing most are its shortlist (a value's holders are among them);
 *  3. grow: intersect with the shortlisted record sharing most of the candidates, again and
 *     again, towards the seed's most frequent value;
 *  4. refine, on the shortlist: take the records holding ≥ 80% of the pattern, keep the seed's
 *     positions ≥ 95% of them hold, repeat — this sheds what the group shared by accident and
 *     brings back the value's records the greedy narrowing dropped. Once stable, the seed's
 *     positions a good share of the group holds are added once: a fragment (bigrams several
 *     values share, e.g. olivia/oliver) then narrows to the seed's own value.
 *
 * A seed already holding two mined patterns is not grown again, and a seed holding one is grown
 * on its remaining positions only, so a record's second value can be found from it.
 */
import { type BitMatrix, seededRandom, setSize } from './bitMatrix.js';

export interface MinedPattern {
  /** Positions of the pattern, ascending. */
  readonly positions: readonly number[];
  /** Row-shaped mask of the positions. */
  readonly mask: Uint32Array;
  /** Records (of the mined matrix) holding ≥ HOLD_SHARE of the positions. */
  readonly support: number;
}

export interface MiningOptions {
  /** Smallest group worth a pattern, in records. */
  readonly minSupport: number;
  /** Positions a pattern needs before the greedy growth stops (a value sets ~bitsPerFeature). */
  readonly minBits: number;
  readonly maxSeeds: number;
  readonly seed: number;
  /** Wall-clock budget for mining, in ms (patterns found by then are kept). */
  readonly timeBudgetMs: number;
}

const MIN_KEPT = 0.8;
const REFINE_MEMBER = 0.8;
const REFINE_KEEP = 0.95;
const EXTEND_SHARE = 0.3;
/** A record holding this share of a pattern's positions is counted as holding the pattern. */
export const HOLD_SHARE = 0.95;
/** Positions held by at least this share of all records are context, not a value's. */
export const CONTEXT_SHARE = 0.55;
const SAME_PATTERN_JACCARD = 0.7;
/** Greedy steps before a seed is given up (a common value is reached in ~10–30). */
const MAX_STEPS = 12;
/** Records a seed's growth looks at: those sharing most of its positions. */
const SHORTLIST = 600;

export function minePatterns(m: BitMatrix, o: MiningOptions): MinedPattern[] {
  const patterns: MinedPattern[] = [];
  const rand = seededRandom(o.seed ^ 0x5eed);
  const order = new Uint32Array(m.n);
  for (let i = 0; i < m.n; i++) order[i] = i;
  for (let i = m.n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  // Context positions (sex, century of birth: held by most records) belong to no rare value;
  // left in, they grow into patterns of their own.
  const context = new Uint8Array(m.bits);
  for (let b = 0; b < m.bits; b++) if (m.bitCounts[b]! >= CONTEXT_SHARE * m.n) context[b] = 1;
  const deadline = Date.now() + o.timeBudgetMs;
  let seeds = 0;
  for (let k = 0; k < m.n && seeds < o.maxSeeds && Date.now() < deadline; k++) {
    const r = order[k]!;
    const held = patterns.filter((p) => m.overlap(r, p.mask) >= HOLD_SHARE * p.positions.length);
    if (held.length >= 2) continue;
    seeds++;
    const excluded = Uint8Array.from(context);
    for (const p of held) for (const b of p.positions) excluded[b] = 1;
    const candidates = m.positionsOf(r).filter((b) => excluded[b] === 0);
    if (candidates.length < o.minBits) continue;
    const grown = grow(m, candidates, o, r);
    if (grown === null) continue;
    // The whole seed (less context) for refining: a value's positions that collide with the
    // held pattern's are still its own.
    const own = m.positionsOf(r).filter((b) => context[b] === 0);
    const refined = refine(m, grown.positions, grown.shortlist, o, own);
    if (refined === null) continue;
    if (patterns.some((p) => jaccard(p.mask, refined.mask) >= SAME_PATTERN_JACCARD)) continue;
    patterns.push(refined);
  }
  return patterns.sort((a, b) => b.support - a.support);
}

/**
 * Intersects the seed's positions with the record that shares most of them, again and again:
 * records sharing a value with the seed share its ~bitsPerFeature positions on top of chance,
 * so the greedy intersection keeps to one value and chance positions halve at every step.
 */
function grow(
  m: BitMatrix,
  candidates: number[],
  o: MiningOptions,
  seedRecord: number,
): { positions: number[]; shortlist: number[] } | null {
  const mask = maskOf(m, candidates);
  // Shortlist: the records sharing most of the seed's positions (only they can share its value's
  // whole pattern); and unless minSupport records share well above chance, its values are rare.
  const ov = new Uint16Array(m.n);
  const hist = new Uint32Array(m.bits + 1);
  const rows = m.rows;
  const w = m.w;
  // The seed's non-zero words only (a sparse mask).
  const words: number[] = [];
  for (let i = 0; i < w; i++) if (mask[i] !== 0) words.push(i);
  const nz = Int32Array.from(words);
  const nzMask = Int32Array.from(words, (i) => mask[i]!);
  for (let r = 0, base = 0; r < m.n; r++, base += w) {
    let c = 0;
    for (let j = 0; j < nz.length; j++) {
      let v = rows[base + nz[j]!]! & nzMask[j]!;
      v -= (v >>> 1) & 0x55555555;
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      c += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    }
    if (r === seedRecord) c = 0;
    ov[r] = c;
    hist[c]!++;
  }
  let median = 0;
  for (let c = 0, acc = 0; c <= m.bits; c++) {
    acc += hist[c]!;
    if (acc >= m.n / 2) {
      median = c;
      break;
    }
  }
  let above = 0;
  for (let c = Math.min(m.bits, median + Math.round(0.5 * o.minBits)); c <= m.bits; c++) above += hist[c]!;
  if (above < o.minSupport) return null;
  let cut = m.bits;
  for (let acc = 0; cut > 0 && acc + hist[cut]! <= SHORTLIST; cut--) acc += hist[cut]!;
  const shortlist: number[] = [];
  for (let r = 0; r < m.n; r++) if (ov[r]! > cut && r !== seedRecord) shortlist.push(r);
  let size = candidates.length;
  const used = new Set<number>([seedRecord]);
  let still = 0;
  for (let step = 0; step < MAX_STEPS && still < 2; step++) {
    let best = -1;
    let bestOverlap = -1;
    for (const r of shortlist) {
      const c = m.overlap(r, mask);
      if (c > bestOverlap && !used.has(r)) {
        bestOverlap = c;
        best = r;
      }
    }
    if (best < 0 || bestOverlap < o.minBits) break;
    used.add(best);
    const row = m.rows.subarray(best * m.w, (best + 1) * m.w);
    for (let i = 0; i < m.w; i++) mask[i]! &= row[i]!;
    still = bestOverlap === size ? still + 1 : 0;
    size = bestOverlap;
  }
  if (used.size < 3) return null;
  // A value's holders are all on the shortlist: too few holding most of the pattern, too rare.
  const need = Math.ceil(REFINE_MEMBER * size);
  let holding = 1;
  for (const r of shortlist) if (m.overlap(r, mask) >= need) holding++;
  if (holding < o.minSupport) return null;
  const out: number[] = [];
  for (let b = 0; b < m.bits; b++) if ((mask[b >>> 5]! & (1 << (b & 31))) !== 0) out.push(b);
  shortlist.push(seedRecord);
  return { positions: out, shortlist };
}

function maskOf(m: BitMatrix, positions: readonly number[]): Uint32Array {
  const mask = new Uint32Array(m.w);
  for (const b of positions) mask[b >>> 5]! |= 1 << (b & 31);
  return mask;
}

function membersOf(m: BitMatrix, mask: Uint32Array, need: number): Uint32Array {
  const set = new Uint32Array(m.nw);
  for (let r = 0; r < m.n; r++) if (m.overlap(r, mask) >= need) set[r >>> 5]! |= 1 << (r & 31);
  return set;
}

function membersAmong(
  m: BitMatrix,
  records: readonly number[],
  mask: Uint32Array,
  need: number,
): Uint32Array {
  const set = new Uint32Array(m.nw);
  for (const r of records) if (m.overlap(r, mask) >= need) set[r >>> 5]! |= 1 << (r & 31);
  return set;
}

function refine(
  m: BitMatrix,
  start: number[],
  shortlist: readonly number[],
  o: MiningOptions,
  seedPositions: readonly number[],
): MinedPattern | null {
  let positions = [...start].sort((a, b) => a - b);
  let beforeExtension: number[] | null = null;
  const counts = new Uint32Array(m.bits);
  for (let it = 0; it < 8; it++) {
    // A value's holders are on the seed's shortlist (they share its positions most).
    const members = membersAmong(
      m,
      shortlist,
      maskOf(m, positions),
      Math.ceil(REFINE_MEMBER * positions.length),
    );
    const size = setSize(members);
    // Too few for a pattern, or too many for one value (the bigrams many values share).
    if (size < o.minSupport || size >= shortlist.length) {
      if (beforeExtension === null) return null;
      positions = beforeExtension;
      break;
    }
    countAmong(m, members, counts);
    // Only the seed's positions can be its value's (the seed holds all of them).
    const kept: number[] = [];
    for (const b of seedPositions) if (counts[b]! >= REFINE_KEEP * size) kept.push(b);
    kept.sort((a, b) => a - b);
    const same = kept.length === positions.length && kept.every((b, i) => b === positions[i]);
    positions = kept;
    if (same && beforeExtension === null) {
      // A fragment (the bigrams the seed's value shares with similar values) is held by all of
      // them; the seed's own positions that a good share of its holders have are the seed
      // value's: add them once, and the next pass keeps only that value's records.
      beforeExtension = positions;
      const inPattern = new Set(positions);
      const ext = seedPositions.filter((b) => !inPattern.has(b) && counts[b]! >= EXTEND_SHARE * size);
      if (ext.length === 0) break;
      positions = [...positions, ...ext].sort((a, b) => a - b);
      continue;
    }
    if (same || kept.length < MIN_KEPT * o.minBits) break;
  }
  // Fragments (the positions of a few q-grams many values share) are not a value's pattern.
  if (positions.length < MIN_KEPT * o.minBits) return null;
  const mask = maskOf(m, positions);
  const support = setSize(membersOf(m, mask, Math.ceil(HOLD_SHARE * positions.length)));
  if (support < o.minSupport) return null;
  return { positions, mask, support };
}

/** counts[b] = members (a record set) holding position b, from the members' rows. */
function countAmong(m: BitMatrix, members: Uint32Array, counts: Uint32Array): void {
  counts.fill(0);
  const rows = m.rows;
  for (let i = 0; i < members.length; i++) {
    let x = members[i]!;
    while (x !== 0) {
      const low = x & -x;
      const r = i * 32 + (31 - Math.clz32(low));
      x ^= low;
      const base = r * m.w;
      for (let w = 0; w < m.w; w++) {
        let y = rows[base + w]!;
        while (y !== 0) {
          const lb = y & -y;
          counts[w * 32 + (31 - Math.clz32(lb))]!++;
          y ^= lb;
        }
      }
    }
  }
}

export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! & b[i]!;
    const y = a[i]! | b[i]!;
    if (x !== 0) inter += popcount(x);
    if (y !== 0) union += popcount(y);
  }
  return union === 0 ? 0 : inter / union;
}

function popcount(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}
