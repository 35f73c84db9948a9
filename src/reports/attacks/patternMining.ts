/**
 * A simulated pattern-mining / frequency attack on record-level CLKs (issue 12), reimplemented
 * from the idea of Christen, Schnell, Vatsalan and Ranbaduge, "Efficient cryptanalysis of Bloom
 * filters for privacy-preserving record linkage" (PAKDD 2017). The attacker holds the encodings
 * and public frequency lists of first names and surnames, and knows the schema (how many positions
 * a name sets) but not the secret.
 *
 *  1. mining (mining.ts): frequent position sets held by many records — each a common value of
 *     some q-gram field, as every record with that value holds exactly its positions. Context
 *     positions (held by most records: sex, century of birth) are left out, and patterns whose
 *     remaining positions are far from what one value sets (bitsPerValue draws) are dropped as
 *     fragments (bigrams several values share) or mixtures;
 *  2. field split: two values of the same field never occur in one record, two of different
 *     fields co-occur about as often as independence predicts (s_A·s_B/N) — each pattern joins
 *     the group whose members it never meets (evidence summed over the group), and each group is
 *     matched with the public list (first names or surnames) whose frequency profile it fits;
 *  3. alignment (alignByOverlap): two values' patterns share the positions of the bigrams the
 *     values share (plus chance), so patterns and values are matched by that structure together
 *     with support vs expected count, greedily from the most confident pair, from several
 *     anchors, keeping the most likely assignment;
 *  4. re-identification: each record gets, per field, the value of the most specific (largest)
 *     pattern it holds; records holding none are matched with rarer public values through the
 *     bigram positions learned from the aligned patterns (assignByBigrams).
 *
 * With the true values (benches, tests) the re-identified rate is measured. Without them (the
 * privacy report) we report what the attacker can see: the share of records assigned a value
 * from a pattern, and how many of the 100 commonest public values were aligned with a pattern
 * whose support agrees with the value's expected count within a factor 1.5. That is an upper
 * bound on re-identification (an assignment may be wrong), and on hardened encodings it falls
 * with the measured rate because no patterns are found to assign from (bench/privacy-attack.ts
 * prints both side by side).
 *
 * The guessing baseline is what an attacker without the encodings gets: everyone is the commonest
 * public value.
 */
import { BitMatrix, type FilterSource, filterAt, filterCount, pop32, seededRandom } from './bitMatrix.js';
import { CONTEXT_SHARE, HOLD_SHARE, type MinedPattern, minePatterns } from './mining.js';
import type { AttackedField, FrequencyList } from './publicFrequencies.js';

export interface PatternMiningAttackInput {
  readonly filters: FilterSource;
  /** Filter length in bits; default the first filter's. */
  readonly bits?: number;
  readonly publicFrequencies: { readonly firstName: FrequencyList; readonly surname: FrequencyList };
  /** True values per record (normalised as publicFrequencies.ts keys them), when known. */
  readonly truth?: {
    readonly firstName: readonly (string | null)[];
    readonly surname: readonly (string | null)[];
  };
  /** Records attacked, drawn at random beyond this many (default 50,000). */
  readonly sample?: number;
  /** Records the patterns are mined from (default 10,000; supports are then counted on all attacked). */
  readonly mineSample?: number;
  /** Positions a value's pattern has at least (the attacker's reading of the schema; default 50). */
  readonly minPatternBits?: number;
  /** Positions the schema gives one name (bitsPerFeature of the `uk` name features: 90). */
  readonly bitsPerValue?: number;
  /**
   * 'structure' (default): by q-gram structure and support (alignByOverlap), then rarer values
   * from learned bigram positions (assignByBigrams). 'rank': k-th pattern ↔ k-th public value
   * (the plain frequency attack, kept for comparison: near guessing, as close supports and
   * mining's fragments scramble the ranks).
   */
  readonly alignment?: 'rank' | 'structure';
  readonly seed?: number;
  /** Wall-clock budget for mining in ms (default 20,000). */
  readonly timeBudgetMs?: number;
}

export interface AttackResult {
  readonly field: AttackedField;
  /** Share of attacked records whose value was re-identified correctly; null without truth. */
  readonly reidentifiedRate: number | null;
  /** Guessing the commonest public value for everyone: measured against truth when given, else the public share. */
  readonly baselineRate: number;
  readonly recordsAttacked: number;
  /** Patterns aligned with a public value of this field. */
  readonly patternsMined: number;
  /** Share of attacked records the attacker assigned a value of this field to (report-side measure). */
  readonly valuesRecoverableShare: number;
  /** Of the `topValuesConsidered` commonest public values, those aligned with a pattern of matching support. */
  readonly topValuesRecovered: number;
  readonly topValuesConsidered: number;
}

export const TOP_VALUES = 100;
const SUPPORT_AGREEMENT = 1.5;

interface Located extends MinedPattern {
  /** Holders among the attacked records (bit set). */
  readonly holders: Uint32Array;
  readonly count: number;
  /** The pattern's positions outside the context positions (mask, and how many). */
  readonly values: Uint32Array;
  readonly informative: number;
}

export function simulatePatternMiningAttack(input: PatternMiningAttackInput): AttackResult[] {
  const total = filterCount(input.filters);
  const seed = input.seed ?? 1;
  const rand = seededRandom(seed);
  const chosen = sampleIndices(total, input.sample ?? 50_000, rand);
  const n = chosen.length;
  const bits = input.bits ?? (total > 0 ? filterAt(input.filters, 0).length * 8 : 0);
  const pub = input.publicFrequencies;
  const fields: [AttackedField, FrequencyList, readonly (string | null)[] | undefined][] = [
    ['first name', pub.firstName, input.truth?.firstName],
    ['surname', pub.surname, input.truth?.surname],
  ];
  if (n === 0 || bits === 0)
    return fields.map(([field, list]) => ({
      field,
      reidentifiedRate: input.truth === undefined ? null : 0,
      baselineRate: publicShare(list),
      recordsAttacked: 0,
      patternsMined: 0,
      valuesRecoverableShare: 0,
      topValuesRecovered: 0,
      topValuesConsidered: Math.min(TOP_VALUES, list.length),
    }));
  const attacked = new BitMatrix(n, bits, (i) => filterAt(input.filters, chosen[i]!));
  // Mine on the first mineN attacked records: a random subset, as their order is random.
  const mineN = Math.min(n, input.mineSample ?? 10_000);
  const mined =
    mineN === n ? attacked : new BitMatrix(mineN, bits, (i) => filterAt(input.filters, chosen[i]!));
  const patterns = minePatterns(mined, {
    minSupport: Math.max(4, Math.round(0.0015 * mineN)),
    minBits: input.minPatternBits ?? 50,
    maxSeeds: 2500,
    seed,
    timeBudgetMs: input.timeBudgetMs ?? 20_000,
  });
  // Context positions: held by most records (sex, century of birth); every pattern of one sex
  // or era has them, so they say nothing about the value and are left out of the comparison.
  const context = new Uint32Array(attacked.w);
  for (let b = 0; b < bits; b++)
    if (attacked.bitCounts[b]! >= CONTEXT_SHARE * n) context[b >>> 5]! |= 1 << (b & 31);
  // A value's own positions: bitsPerValue draws over the filter, less collisions.
  const bitsPerValue = input.bitsPerValue ?? 90;
  const valueBits = bits * (1 - Math.exp(-bitsPerValue / bits));
  const located = patterns
    .map((p) => locate(attacked, p, context))
    .filter((p) => p.count >= 2 && p.informative >= 0.65 * valueBits && p.informative <= 1.25 * valueBits)
    .sort((a, b) => b.count - a.count);
  const groups = splitByField(located, n);
  const [g0, g1] = groups;
  const firstIsG0 =
    misfit(g0, pub.firstName, n) + misfit(g1, pub.surname, n) <=
    misfit(g1, pub.firstName, n) + misfit(g0, pub.surname, n);
  const byField = firstIsG0 ? [g0, g1] : [g1, g0];
  return fields.map(([field, list], k) => {
    const group = byField[k]!;
    const truth =
      input.truth === undefined
        ? undefined
        : Array.from(
            chosen,
            (i) => (field === 'first name' ? input.truth!.firstName : input.truth!.surname)[i] ?? null,
          );
    return scoreField(
      field,
      group,
      list,
      attacked,
      truth,
      bits,
      bitsPerValue,
      input.alignment ?? 'structure',
    );
  });
}

function sampleIndices(total: number, sample: number, rand: () => number): Uint32Array {
  const all = new Uint32Array(total);
  for (let i = 0; i < total; i++) all[i] = i;
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = all[i]!;
    all[i] = all[j]!;
    all[j] = t;
  }
  return all.subarray(0, Math.min(total, sample));
}

function locate(m: BitMatrix, p: MinedPattern, context: Uint32Array): Located {
  const values = p.mask.map((x, i) => x & ~context[i]!);
  const informative = values.reduce((s, x) => s + pop32(x), 0);
  const need = Math.ceil(HOLD_SHARE * p.positions.length);
  const holders = new Uint32Array(m.nw);
  let count = 0;
  for (let r = 0; r < m.n; r++)
    if (m.overlap(r, p.mask) >= need) {
      holders[r >>> 5]! |= 1 << (r & 31);
      count++;
    }
  return { ...p, holders, count, values, informative };
}

function coHeld(a: Uint32Array, b: Uint32Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! & b[i]!;
    while (x !== 0) {
      x &= x - 1;
      c++;
    }
  }
  return c;
}

/**
 * Two groups of patterns: a pattern joins the group whose members its holders (nearly) never
 * share although independence would put several records in both, and not the group whose
 * members it shares as independence predicts. Evidence is summed over a group's members, so
 * rarer patterns are placed too; patterns with too little evidence either way are left out.
 */
function splitByField(patterns: readonly Located[], n: number): [Located[], Located[]] {
  const groups: [Located[], Located[]] = [[], []];
  for (const p of patterns) {
    const co = [0, 0];
    const ex = [0, 0];
    for (const g of [0, 1] as const)
      for (const q of groups[g]) {
        co[g]! += coHeld(p.holders, q.holders);
        ex[g]! += (p.count * q.count) / n;
      }
    const ratio = (g: number) => (ex[g]! < 3 ? null : co[g]! / ex[g]!);
    const r0 = ratio(0);
    const r1 = ratio(1);
    let g: 0 | 1 | null = null;
    if (groups[0].length === 0) g = 0;
    else if (r0 !== null && r1 !== null) {
      if (Math.min(r0, r1) <= 0.25 && Math.max(r0, r1) >= 0.4) g = r0 <= r1 ? 0 : 1;
    } else if (r0 !== null) g = r0 <= 0.15 ? 0 : r0 >= 0.4 ? 1 : null;
    else if (r1 !== null) g = r1 <= 0.15 ? 1 : r1 >= 0.4 ? 0 : null;
    if (g !== null) groups[g].push(p);
  }
  return groups;
}

/** How badly a group's supports (descending) fit a public list's expected counts, rank by rank. */
function misfit(group: readonly Located[], list: FrequencyList, n: number): number {
  const total = list.reduce((s, [, c]) => s + c, 0);
  let m = 0;
  const k = Math.min(20, Math.max(group.length, 1));
  for (let i = 0; i < k; i++) {
    const s = group[i]?.count ?? 0;
    const e = total === 0 ? 0 : ((list[i]?.[1] ?? 0) / total) * n;
    m += Math.abs(Math.log((s + 1) / (e + 1)));
  }
  return m;
}

function publicShare(list: FrequencyList): number {
  const total = list.reduce((s, [, c]) => s + c, 0);
  return total === 0 || list.length === 0 ? 0 : list[0]![1] / total;
}

function scoreField(
  field: AttackedField,
  group: readonly Located[],
  list: FrequencyList,
  m: BitMatrix,
  truth: readonly (string | null)[] | undefined,
  bits: number,
  bitsPerValue: number,
  alignment: 'rank' | 'structure',
): AttackResult {
  const n = m.n;
  const total = list.reduce((s, [, c]) => s + c, 0);
  let pairs: [Located, number][];
  if (alignment === 'structure') {
    const assign = alignByOverlap(
      group.map((p) => p.values),
      group.map((p) => p.count),
      list,
      n,
      bits,
      bitsPerValue,
    );
    pairs = [];
    group.forEach((p, i) => {
      if (assign[i]! >= 0) pairs.push([p, assign[i]!]);
    });
  } else pairs = group.slice(0, list.length).map((p, i) => [p, i]);
  const aligned = pairs.map(([p, i]) => ({
    p,
    value: list[i]![0],
    expected: (list[i]![1] / total) * n,
  }));
  // Most specific pattern first, so a record holding two gets the larger.
  const bySize = [...aligned].sort((a, b) => b.p.positions.length - a.p.positions.length);
  const assigned: (string | null)[] = new Array(n).fill(null);
  for (const { p, value } of bySize)
    for (let r = 0; r < n; r++)
      if (assigned[r] === null && (p.holders[r >>> 5]! & (1 << (r & 31))) !== 0) assigned[r] = value;
  if (alignment === 'structure' && aligned.length >= MIN_ALIGNED_FOR_BIGRAMS)
    assignByBigrams(
      m,
      aligned.map(({ p, value }) => [p.values, value] as const),
      list,
      assigned,
      bitsPerValue,
    );
  let recoverable = 0;
  let correct = 0;
  let baseline = 0;
  const commonest = list[0]?.[0];
  for (let r = 0; r < n; r++) {
    if (assigned[r] !== null) recoverable++;
    if (truth !== undefined) {
      if (assigned[r] !== null && assigned[r] === truth[r]) correct++;
      if (truth[r] === commonest) baseline++;
    }
  }
  const considered = Math.min(TOP_VALUES, list.length);
  const top = aligned
    .slice(0, considered)
    .filter(
      (a) =>
        Math.abs(Math.log(Math.max(1, a.p.count) / Math.max(1, a.expected))) <= Math.log(SUPPORT_AGREEMENT),
    ).length;
  return {
    field,
    reidentifiedRate: truth === undefined ? null : correct / n,
    baselineRate: truth === undefined ? publicShare(list) : baseline / n,
    recordsAttacked: n,
    patternsMined: aligned.length,
    valuesRecoverableShare: recoverable / n,
    topValuesRecovered: top,
    topValuesConsidered: considered,
  };
}

/** Positions each padded bigram of a value gets, as the encoder spreads bitsPerFeature over them. */
function bigramBudget(value: string, bitsPerValue: number): Map<string, number> {
  const padded = ` ${value} `;
  const n = padded.length - 1;
  const base = Math.floor(bitsPerValue / n);
  const extra = bitsPerValue % n;
  const out = new Map<string, number>();
  for (let t = 0; t < n; t++) {
    const g = padded.slice(t, t + 2);
    out.set(g, Math.max(out.get(g) ?? 0, t < extra ? base + 1 : base));
  }
  return out;
}

function overlapOf(x: Uint32Array, y: Uint32Array): number {
  let s = 0;
  for (let w = 0; w < x.length; w++) {
    const v = x[w]! & y[w]!;
    if (v !== 0) s += pop32(v);
  }
  return s;
}

/**
 * Patterns matched with public values by q-gram structure (Christen et al. 2017/2018): a value's
 * positions are the union of its bigrams' positions, and a bigram keeps its positions in every
 * value (random hashing: the first k of one keyed sequence, k set by the value's length), so two
 * patterns share about the positions of the bigrams their values share, plus chance. Assignment
 * grows from an anchor pair: each step takes the (pattern, value) pair whose score is furthest
 * ahead of both runners-up, the score adding the fit of support to the value's expected count
 * and, for every pair already assigned, the fit of the patterns' shared positions to the
 * positions the values' shared bigrams give. Several anchors (the commonest patterns, each with
 * the values its support fits) are tried and the most likely assignment kept.
 * Masks are the patterns' informative positions (context positions left out).
 * Returns the value index per pattern, or -1.
 */
function alignByOverlap(
  masks: readonly Uint32Array[],
  counts: readonly number[],
  list: FrequencyList,
  n: number,
  bits: number,
  bitsPerValue: number,
): Int32Array {
  const k = masks.length;
  const out = new Int32Array(k).fill(-1);
  if (k === 0 || list.length === 0) return out;
  const total = list.reduce((s, [, c]) => s + c, 0);
  const minCount = Math.min(...counts);
  // Candidate values: commonest first, as long as their expected count could be a mined pattern's.
  let m = 0;
  while (m < list.length && m < 3 * k + 30 && (list[m]![1] / total) * n >= minCount / 3) m++;
  m = Math.max(m, Math.min(list.length, k));
  const expected = Float64Array.from({ length: m }, (_, v) => (list[v]![1] / total) * n);
  const budgets = list.slice(0, m).map(([v]) => bigramBudget(v, bitsPerValue));
  // Positions two values share through their bigrams.
  const shared = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = a + 1; b < m; b++) {
      let s = 0;
      for (const [g, ka] of budgets[a]!) {
        const kb = budgets[b]!.get(g);
        if (kb !== undefined) s += Math.min(ka, kb);
      }
      shared[a * m + b] = shared[b * m + a] = s;
    }
  const sizes = masks.map((x) => overlapOf(x, x));
  const overlap = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) overlap[i * k + j] = overlap[j * k + i] = overlapOf(masks[i]!, masks[j]!);
  // Positions shared by two patterns: the shared bigrams' (minus their collisions) plus chance.
  const pairTerm = (i: number, v: number, j: number, w: number) => {
    const sh = shared[v * m + w]!;
    const chance = ((sizes[i]! - sh) * (sizes[j]! - sh)) / bits;
    const e = sh * 0.97 + chance;
    const d = overlap[i * k + j]! - e;
    return -(d * d) / (2 * (chance + 0.1 * sh + 4));
  };
  const freq = new Float64Array(k * m);
  for (let i = 0; i < k; i++)
    for (let v = 0; v < m; v++) {
      const z = Math.log(counts[i]! / expected[v]!);
      freq[i * m + v] = -(z * z) / (2 * (1 / counts[i]! + 1 / list[v]![1] + 0.01));
    }

  const run = (anchorP: number, anchorV: number): { assign: Int32Array; ll: number } => {
    const assign = new Int32Array(k).fill(-1);
    const taken = new Uint8Array(m);
    const score = Float64Array.from(freq);
    let ll = 0;
    const take = (i: number, v: number) => {
      assign[i] = v;
      taken[v] = 1;
      ll += score[i * m + v]!;
      for (let j = 0; j < k; j++) {
        if (assign[j]! >= 0) continue;
        for (let w = 0; w < m; w++) if (taken[w] === 0) score[j * m + w]! += pairTerm(j, w, i, v);
      }
    };
    take(anchorP, anchorV);
    for (let left = k - 1; left > 0 && taken.reduce((a, b) => a + b, 0) < m; left--) {
      // Per pattern its best and second value; per value its best and second pattern.
      const bestV = new Int32Array(k).fill(-1);
      const s1 = new Float64Array(k).fill(-Infinity);
      const s2 = new Float64Array(k).fill(-Infinity);
      const p1 = new Float64Array(m).fill(-Infinity);
      const p2 = new Float64Array(m).fill(-Infinity);
      for (let i = 0; i < k; i++) {
        if (assign[i]! >= 0) continue;
        for (let v = 0; v < m; v++) {
          if (taken[v] === 1) continue;
          const s = score[i * m + v]!;
          if (s > s1[i]!) {
            s2[i] = s1[i]!;
            s1[i] = s;
            bestV[i] = v;
          } else if (s > s2[i]!) s2[i] = s;
          if (s > p1[v]!) {
            p2[v] = p1[v]!;
            p1[v] = s;
          } else if (s > p2[v]!) p2[v] = s;
        }
      }
      let pick = -1;
      let conf = -Infinity;
      for (let i = 0; i < k; i++) {
        const v = bestV[i]!;
        if (v < 0 || p1[v]! > s1[i]!) continue; // not the value's best pattern either
        const c = Math.min(s1[i]! - s2[i]!, p1[v]! - p2[v]!);
        if (c > conf) {
          conf = c;
          pick = i;
        }
      }
      if (pick < 0) break;
      take(pick, bestV[pick]!);
    }
    return { assign, ll };
  };

  // Anchors: the commonest patterns, each with the values whose expected count fits its support.
  let best: { assign: Int32Array; ll: number } | null = null;
  const byCount = Array.from({ length: k }, (_, i) => i).sort((a, b) => counts[b]! - counts[a]!);
  for (const i of byCount.slice(0, 4)) {
    const vs = Array.from({ length: m }, (_, v) => v)
      .sort((a, b) => freq[i * m + b]! - freq[i * m + a]!)
      .slice(0, 4);
    for (const v of vs) {
      const r = run(i, v);
      if (best === null || r.ll > best.ll) best = r;
    }
  }
  return best!.assign;
}

/** Aligned patterns needed before bigram positions are learned from them. */
const MIN_ALIGNED_FOR_BIGRAMS = 10;
const MIN_KNOWN_WITH_UNKNOWN = 5;

/**
 * The second half of the attack (Christen et al. 2018): values too rare to be mined are
 * re-identified from their bigrams. Each bigram's positions are learned from the aligned
 * patterns: those every pattern of a value with the bigram holds (one may miss with many) and
 * few patterns of values without it hold — the bigram's first k positions, k the least any of
 * those values gives it. A record with no value yet gets the commonest unaligned public value
 * all of whose bigrams it holds (each: at least 90% of the positions the value would give it).
 */
function assignByBigrams(
  m: BitMatrix,
  aligned: readonly (readonly [mask: Uint32Array, value: string])[],
  list: FrequencyList,
  assigned: (string | null)[],
  bitsPerValue: number,
): void {
  const budgets = aligned.map(([, v]) => bigramBudget(v, bitsPerValue));
  const grams = new Map<string, number[]>();
  budgets.forEach((b, i) => {
    for (const g of b.keys()) grams.set(g, [...(grams.get(g) ?? []), i]);
  });
  const w = m.w;
  const counts = new Uint16Array(w * 32);
  const cores = new Map<string, { positions: Uint16Array; kMin: number }>();
  for (const [g, with_] of grams) {
    if (with_.length < 2) continue;
    const kMin = Math.min(...with_.map((i) => budgets[i]!.get(g)!));
    counts.fill(0);
    for (const i of with_) addBits(aligned[i]![0], counts);
    const need = with_.length >= 5 ? with_.length - 1 : with_.length;
    const inAll: number[] = [];
    for (let b = 0; b < counts.length; b++) if (counts[b]! >= need) inAll.push(b);
    counts.fill(0);
    const without = aligned.length - with_.length;
    const isWith = new Uint8Array(aligned.length);
    for (const i of with_) isWith[i] = 1;
    aligned.forEach(([mask], i) => {
      if (isWith[i] === 0) addBits(mask, counts);
    });
    const core = inAll.filter((b) => without === 0 || counts[b]! <= 0.15 * without);
    if (core.length < 0.6 * kMin || core.length > 2 * kMin + 4) continue;
    cores.set(g, { positions: Uint16Array.from(core), kMin });
  }
  const alignedValues = new Set(aligned.map(([, v]) => v));
  const gramList = [...cores.values()];
  const gramId = new Map([...cores.keys()].map((g, i) => [g, i]));
  // Candidates: unaligned values whose bigrams are learned, commonest first; per bigram its id
  // and how many of its learned positions a holder has at least.
  const candidates: { value: string; ids: Int32Array; need: Int32Array }[] = [];
  for (const [value] of list) {
    if (alignedValues.has(value)) continue;
    const ids: number[] = [];
    const need: number[] = [];
    let unknown = 0;
    for (const [g, k] of bigramBudget(value, bitsPerValue)) {
      const id = gramId.get(g);
      if (id === undefined) unknown++;
      else {
        ids.push(id);
        need.push(Math.ceil(0.9 * Math.min(k, gramList[id]!.positions.length)));
      }
    }
    // One bigram not learned is tolerated when enough others are.
    if (unknown === 0 || (unknown === 1 && ids.length >= MIN_KNOWN_WITH_UNKNOWN))
      candidates.push({ value, ids: Int32Array.from(ids), need: Int32Array.from(need) });
  }
  if (candidates.length === 0) return;
  const rows = m.rows;
  const held = new Uint8Array(gramList.length);
  for (let r = 0; r < m.n; r++) {
    if (assigned[r] !== null) continue;
    const base = r * w;
    for (let id = 0; id < gramList.length; id++) {
      const positions = gramList[id]!.positions;
      let c = 0;
      for (let j = 0; j < positions.length; j++) {
        const b = positions[j]!;
        if ((rows[base + (b >>> 5)]! & (1 << (b & 31))) !== 0) c++;
      }
      held[id] = c;
    }
    for (const { value, ids, need } of candidates) {
      let all = true;
      for (let j = 0; j < ids.length; j++)
        if (held[ids[j]!]! < need[j]!) {
          all = false;
          break;
        }
      if (all) {
        assigned[r] = value;
        break;
      }
    }
  }
}

function addBits(mask: Uint32Array, counts: Uint16Array): void {
  for (let i = 0; i < mask.length; i++) {
    let x = mask[i]!;
    while (x !== 0) {
      const low = x & -x;
      counts[i * 32 + (31 - Math.clz32(low))]!++;
      x ^= low;
    }
  }
}
