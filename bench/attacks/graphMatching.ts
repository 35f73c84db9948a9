/**
 * A similarity-graph matching attack on record-level Bloom filters (issue 12), reimplemented
 * from the idea of Vidanage, Ranbaduge, Christen and Schnell (CIKM 2019, "Efficient attack on
 * Bloom-filter-based PPRL using graph matching"); no code is taken from the paper's authors.
 *
 * The attacker holds the published filters and a plaintext list of people who overlap with the
 * encoded ones (same identifier fields). Bloom filters roughly preserve the Dice similarity of
 * the q-gram sets they encode, so the two all-pairs similarity graphs (edges = pairs above a
 * threshold) are roughly isomorphic on the overlap, whatever the secret key. The attack:
 *  1. all-pairs Dice on each side (filters: bit Dice; plaintext: Dice of field-tagged q-gram sets);
 *  2. calibration: encoded similarities are mapped to the plaintext scale by matching the
 *     upper tails of the two all-pairs similarity distributions (quantile mapping), and the
 *     encoded threshold is the one that keeps the same share of pairs as the plaintext one;
 *  3. per-node features that do not depend on the key: normalised degree, edge-weight
 *     statistics and histogram, the node's top-k similarities, neighbours' degrees, then two
 *     Weisfeiler–Lehman-like rounds (means of the neighbours' features); z-scored per side;
 *  4. matching: each encoded node's nearest plaintext nodes (Euclidean) become candidates,
 *     assigned greedily one-to-one by distance; a match is *confident* when the plaintext node
 *     is the encoded node's nearest neighbour by a margin (distance ratio to the second nearest).
 *
 * All pairs are compared (typed arrays); beyond `maxRecords` per side a seeded sample is drawn.
 */

import { seededRandom } from '../../src/reports/attacks/bitMatrix.js';

export interface GraphMatchingOptions {
  /** Published filters; bit i of a filter is bit (7 − i mod 8) of byte ⌊i/8⌋. Any equal length. */
  readonly encoded: readonly Uint8Array[];
  /** The attacker's plaintext: identifier values per record, the same fields in the same order. */
  readonly plain: readonly (readonly string[])[];
  /** q-gram length for the plaintext side (default 2; values are padded with q−1 spaces). */
  readonly q?: number;
  /** Per-field tokenisation and weight of the plaintext side (see PlainFieldSpec; default q-grams, weight 1). */
  readonly fields?: readonly PlainFieldSpec[];
  /**
   * Edge threshold on the plaintext Dice scale (the encoded one follows by calibration). Default:
   * the threshold giving `targetDegree` edges per plaintext node on average.
   */
  readonly simThreshold?: number;
  /** Mean degree aimed for when simThreshold is not given (default 20). */
  readonly targetDegree?: number;
  /** Records compared per side; larger inputs are sampled (default 5,000). */
  readonly maxRecords?: number;
  /** Seed of the sampling (default 1). */
  readonly seed?: number;
  /** Confident: best distance ≤ confidenceRatio × second-best distance (default 0.7). */
  readonly confidenceRatio?: number;
  /** Nearest plaintext nodes per encoded node considered for the assignment (default 10). */
  readonly candidates?: number;
  /**
   * Ground truth for scoring: a person id per encoded and per plaintext record (−1 = unknown).
   * A match is correct when the ids are equal (so duplicates of a person all count).
   */
  readonly truth?: { readonly encoded: ArrayLike<number>; readonly plain: ArrayLike<number> };
}

export interface GraphMatch {
  /** Indices into the caller's `encoded` and `plain` arrays. */
  readonly encoded: number;
  readonly plain: number;
  readonly distance: number;
  /** Best / second-best feature distance for this encoded node (lower is more confident). */
  readonly ratio: number;
  readonly confident: boolean;
}

export interface GraphMatchingResult {
  /** Records attacked after sampling. */
  readonly encodedRecords: number;
  readonly plainRecords: number;
  /** Encoded records (after sampling) whose person is among the plaintext records (with truth). */
  readonly overlap: number;
  readonly threshold: { readonly plain: number; readonly encoded: number };
  readonly edges: { readonly plain: number; readonly encoded: number };
  readonly matches: readonly GraphMatch[];
  /** One-to-one matches made. */
  readonly matched: number;
  /** Matches whose two records are the same person (needs truth, else 0). */
  readonly correct: number;
  /** correct / encodedRecords. */
  readonly reidentifiedRate: number;
  /** correct / overlap (null when nothing overlaps). */
  readonly overlapReidentifiedRate: number | null;
  readonly confident: number;
  readonly confidentCorrect: number;
  /** confidentCorrect / confident (null when there is no confident match). */
  readonly precision: number | null;
  /** Expected reidentifiedRate of a random one-to-one assignment: overlap / (plain · encoded). */
  readonly chanceRate: number;
  readonly elapsedMs: number;
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/** A small seeded generator for sampling (the pattern-mining attack's). */
const rng = seededRandom;

/** Indices 0..n-1, or a sorted seeded sample of `k` of them. */
export function sampleIndices(n: number, k: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n <= k) return idx;
  const r = rng(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r() * (n - i));
    const t = idx[i]!;
    idx[i] = idx[j]!;
    idx[j] = t;
  }
  return idx.slice(0, k).sort();
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

// ---------------------------------------------------------------------------------------------
// All-pairs similarities

/** All-pairs Dice of bit filters, as a packed upper triangle. */
export function filterDiceMatrix(filters: readonly Uint8Array[]): Float32Array {
  const n = filters.length;
  const bytes = filters[0]?.length ?? 0;
  for (const f of filters) if (f.length !== bytes) throw new RangeError('filters differ in length');
  const words = Math.ceil(bytes / 4);
  const packed = new Uint32Array(n * words);
  const pop = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const f = filters[r]!;
    let c = 0;
    for (let w = 0; w < words; w++) {
      const b = w * 4;
      const v = ((f[b] ?? 0) << 24) | ((f[b + 1] ?? 0) << 16) | ((f[b + 2] ?? 0) << 8) | (f[b + 3] ?? 0);
      packed[r * words + w] = v;
      c += popcount32(v);
    }
    pop[r] = c;
  }
  const out = new Float32Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * words;
    for (let j = i + 1; j < n; j++) {
      const oj = j * words;
      let c = 0;
      for (let w = 0; w < words; w++) c += popcount32(packed[oi + w]! & packed[oj + w]!);
      const d = pop[i]! + pop[j]!;
      out[k++] = d === 0 ? 0 : (2 * c) / d;
    }
  }
  return out;
}

/**
 * How the attacker tokenises one plaintext field. Default: padded q-grams, all of weight 1 (the
 * plain q-gram Dice of the paper). A schema-aware attacker (schemas are published) can mirror the
 * encoding: `weight` = the field's bit budget, shared by its tokens (as bitsPerFeature is), and
 * `tokens` = 'positional' (1-based index + character) or 'exact' (the whole value) where the
 * schema says so.
 */
export interface PlainFieldSpec {
  readonly weight?: number;
  readonly tokens?: 'qgram' | 'positional' | 'exact';
}

function fieldTokens(v: string, q: number, kind: PlainFieldSpec['tokens']): string[] {
  if (v.length === 0) return [];
  const chars = Array.from(v);
  if (kind === 'exact') return [v];
  if (kind === 'positional') return chars.map((c, i) => `${i + 1} ${c}`);
  const pad = Array<string>(Math.max(0, q - 1)).fill(' ');
  const s = [...pad, ...chars, ...pad];
  const out: string[] = [];
  for (let i = 0; i + q <= s.length; i++) out.push(s.slice(i, i + q).join(''));
  return out;
}

/** Field-tagged token sets of each record, as sorted integer ids with weights (CSR). */
export function qgramSets(
  plain: readonly (readonly string[])[],
  q: number,
  fields?: readonly PlainFieldSpec[],
): { offsets: Int32Array; ids: Int32Array; weights: Float32Array; totals: Float64Array } {
  const vocab = new Map<string, number>();
  const offsets = new Int32Array(plain.length + 1);
  const totals = new Float64Array(plain.length);
  const ids: number[] = [];
  const weights: number[] = [];
  for (let r = 0; r < plain.length; r++) {
    const tok = new Map<number, number>();
    const rec = plain[r]!;
    for (let f = 0; f < rec.length; f++) {
      const spec = fields?.[f];
      const set = new Set(fieldTokens(rec[f]!, q, spec?.tokens));
      if (set.size === 0) continue;
      const w = spec?.weight === undefined ? 1 : spec.weight / set.size;
      for (const t of set) {
        const key = `${f}\u0000${t}`;
        let id = vocab.get(key);
        if (id === undefined) {
          id = vocab.size;
          vocab.set(key, id);
        }
        tok.set(id, w);
      }
    }
    const sorted = Int32Array.from(tok.keys()).sort();
    for (const x of sorted) {
      ids.push(x);
      weights.push(tok.get(x)!);
      totals[r]! += tok.get(x)!;
    }
    offsets[r + 1] = ids.length;
  }
  return { offsets, ids: Int32Array.from(ids), weights: Float32Array.from(weights), totals };
}

/** All-pairs (weighted) Dice of the records' token sets, as a packed upper triangle. */
export function qgramDiceMatrix(
  plain: readonly (readonly string[])[],
  q: number,
  fields?: readonly PlainFieldSpec[],
): Float32Array {
  const { offsets, ids, weights, totals } = qgramSets(plain, q, fields);
  const n = plain.length;
  const out = new Float32Array((n * (n - 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const a0 = offsets[i]!;
    const a1 = offsets[i + 1]!;
    for (let j = i + 1; j < n; j++) {
      const b0 = offsets[j]!;
      const b1 = offsets[j + 1]!;
      let x = a0;
      let y = b0;
      let c = 0;
      while (x < a1 && y < b1) {
        const u = ids[x]!;
        const v = ids[y]!;
        if (u === v) {
          c += Math.min(weights[x]!, weights[y]!);
          x++;
          y++;
        } else if (u < v) x++;
        else y++;
      }
      const d = totals[i]! + totals[j]!;
      out[k++] = d === 0 ? 0 : (2 * c) / d;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Calibration (quantile mapping of the upper tails)

const BINS = 4096;

/** Survival counts: tail[b] = pairs with similarity in bin b or above. */
function tailCounts(sims: Float32Array): Float64Array {
  const h = new Float64Array(BINS + 1);
  for (let k = 0; k < sims.length; k++) h[Math.min(BINS - 1, Math.floor(sims[k]! * BINS))]!++;
  for (let b = BINS - 1; b >= 0; b--) h[b]! += h[b + 1]!;
  return h;
}

/** The similarity s such that share `frac` of pairs are ≥ s (linear within a bin). */
function quantileFromTail(tail: Float64Array, frac: number): number {
  const total = tail[0]!;
  const want = frac * total;
  for (let b = BINS - 1; b >= 0; b--) {
    if (tail[b]! >= want) {
      const inBin = tail[b]! - tail[b + 1]!;
      const need = want - tail[b + 1]!;
      const within = inBin === 0 ? 0 : need / inBin; // share of the bin needed, from the top
      return (b + 1 - within) / BINS;
    }
  }
  return 0;
}

/** Share of pairs with similarity ≥ s (linear within a bin). */
function tailShare(tail: Float64Array, s: number): number {
  const x = Math.min(BINS, Math.max(0, s * BINS));
  const b = Math.min(BINS - 1, Math.floor(x));
  const inBin = tail[b]! - tail[b + 1]!;
  return (tail[b + 1]! + inBin * (b + 1 - x)) / tail[0]!;
}

/** A monotone map from encoded similarity to the plaintext scale, as a lookup table. */
function calibration(encTail: Float64Array, plainTail: Float64Array): Float32Array {
  const lut = new Float32Array(BINS + 1);
  for (let b = 0; b <= BINS; b++) lut[b] = quantileFromTail(plainTail, tailShare(encTail, b / BINS));
  return lut;
}

function applyLut(lut: Float32Array, s: number): number {
  const x = s * BINS;
  const b = Math.min(BINS - 1, Math.floor(x));
  const t = x - b;
  return lut[b]! * (1 - t) + lut[b + 1]! * t;
}

// ---------------------------------------------------------------------------------------------
// Graph features

const TOP_K = 10;
const HIST_BINS = 5;

interface Graph {
  readonly n: number;
  readonly offsets: Int32Array;
  readonly nbr: Int32Array;
  readonly weight: Float32Array;
  readonly edges: number;
}

/**
 * Adjacency (CSR) of pairs with sim ≥ threshold, weights mapped by `map`; also each node's
 * top-k mapped similarities (to anyone, above the threshold or not).
 */
function buildGraph(
  n: number,
  sims: Float32Array,
  threshold: number,
  map: (s: number) => number,
): { graph: Graph; top: Float32Array } {
  const deg = new Int32Array(n);
  const top = new Float32Array(n * TOP_K); // raw sims, descending per node
  const push = (v: number, s: number) => {
    const o = v * TOP_K;
    if (s <= top[o + TOP_K - 1]!) return;
    let p = TOP_K - 1;
    while (p > 0 && top[o + p - 1]! < s) {
      top[o + p] = top[o + p - 1]!;
      p--;
    }
    top[o + p] = s;
  };
  let k = 0;
  let edges = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = sims[k++]!;
      push(i, s);
      push(j, s);
      if (s >= threshold) {
        deg[i]!++;
        deg[j]!++;
        edges++;
      }
    }
  }
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + deg[i]!;
  const fill = offsets.slice(0, n);
  const nbr = new Int32Array(offsets[n]!);
  const weight = new Float32Array(offsets[n]!);
  k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const s = sims[k++]!;
      if (s < threshold) continue;
      const w = map(s);
      nbr[fill[i]!] = j;
      weight[fill[i]!++] = w;
      nbr[fill[j]!] = i;
      weight[fill[j]!++] = w;
    }
  }
  for (let x = 0; x < top.length; x++) top[x] = map(top[x]!);
  return { graph: { n, offsets, nbr, weight, edges }, top };
}

/** Feature vectors (row-major), z-scored per column. `degScale` normalises degrees across sizes. */
function nodeFeatures(
  g: Graph,
  top: Float32Array,
  threshold: number,
  degScale: number,
): { dims: number; x: Float64Array } {
  const { n, offsets, nbr, weight } = g;
  const base = 4 + HIST_BINS + TOP_K + 2;
  const logDeg = new Float64Array(n);
  for (let v = 0; v < n; v++) logDeg[v] = Math.log1p((offsets[v + 1]! - offsets[v]!) * degScale);
  const b = new Float64Array(n * base);
  for (let v = 0; v < n; v++) {
    const o = v * base;
    const e0 = offsets[v]!;
    const e1 = offsets[v + 1]!;
    const d = e1 - e0;
    b[o] = logDeg[v]!;
    let sum = 0;
    let sq = 0;
    let max = 0;
    let nd = 0;
    let ndMax = 0;
    const hist = new Float64Array(HIST_BINS);
    for (let e = e0; e < e1; e++) {
      const w = weight[e]!;
      sum += w;
      sq += w * w;
      if (w > max) max = w;
      const h = Math.min(
        HIST_BINS - 1,
        Math.max(0, Math.floor(((w - threshold) / (1 - threshold)) * HIST_BINS)),
      );
      hist[h]!++;
      const ld = logDeg[nbr[e]!]!;
      nd += ld;
      if (ld > ndMax) ndMax = ld;
    }
    const mean = d ? sum / d : 0;
    b[o + 1] = mean;
    b[o + 2] = max;
    b[o + 3] = d ? Math.sqrt(Math.max(0, sq / d - mean * mean)) : 0;
    for (let h = 0; h < HIST_BINS; h++) b[o + 4 + h] = Math.log1p(hist[h]! * degScale);
    for (let t = 0; t < TOP_K; t++) b[o + 4 + HIST_BINS + t] = top[v * TOP_K + t]!;
    b[o + 4 + HIST_BINS + TOP_K] = d ? nd / d : 0;
    b[o + 4 + HIST_BINS + TOP_K + 1] = ndMax;
  }
  // Two Weisfeiler–Lehman-like rounds: weighted means of the neighbours' previous-round vectors.
  const rounds = [b];
  for (let r = 0; r < 2; r++) {
    const prev = rounds[r]!;
    const next = new Float64Array(n * base);
    for (let v = 0; v < n; v++) {
      let wsum = 0;
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) {
        const w = weight[e]!;
        wsum += w;
        const u = nbr[e]!;
        for (let c = 0; c < base; c++) next[v * base + c]! += w * prev[u * base + c]!;
      }
      if (wsum > 0) for (let c = 0; c < base; c++) next[v * base + c]! /= wsum;
    }
    rounds.push(next);
  }
  const dims = base * rounds.length;
  const x = new Float64Array(n * dims);
  for (let v = 0; v < n; v++)
    for (let r = 0; r < rounds.length; r++)
      for (let c = 0; c < base; c++) x[v * dims + r * base + c] = rounds[r]![v * base + c]!;
  // z-score each column on this side (a second, per-feature calibration).
  for (let c = 0; c < dims; c++) {
    let s = 0;
    let s2 = 0;
    for (let v = 0; v < n; v++) {
      const y = x[v * dims + c]!;
      s += y;
      s2 += y * y;
    }
    const mean = s / n;
    const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
    for (let v = 0; v < n; v++) x[v * dims + c] = sd > 1e-12 ? (x[v * dims + c]! - mean) / sd : 0;
  }
  return { dims, x };
}

// ---------------------------------------------------------------------------------------------
// The attack

export function graphMatchingAttack(o: GraphMatchingOptions): GraphMatchingResult {
  const t0 = Date.now();
  const q = o.q ?? 2;
  const seed = o.seed ?? 1;
  const maxRecords = o.maxRecords ?? 5000;
  const targetDegree = o.targetDegree ?? 20;
  const ratioCut = o.confidenceRatio ?? 0.7;
  const K = o.candidates ?? 10;
  if (o.encoded.length < 3 || o.plain.length < 3) throw new RangeError('need at least 3 records per side');

  const encIdx = sampleIndices(o.encoded.length, maxRecords, seed);
  const plainIdx = sampleIndices(o.plain.length, maxRecords, seed ^ 0x5bd1e995);
  const nE = encIdx.length;
  const nP = plainIdx.length;

  const simE = filterDiceMatrix(Array.from(encIdx, (i) => o.encoded[i]!));
  const simP = qgramDiceMatrix(
    Array.from(plainIdx, (i) => o.plain[i]!),
    q,
    o.fields,
  );
  const tailE = tailCounts(simE);
  const tailP = tailCounts(simP);
  const lut = calibration(tailE, tailP);

  // Thresholds: the plaintext one, and the encoded one keeping the same share of pairs.
  const share =
    o.simThreshold !== undefined ? tailShare(tailP, o.simThreshold) : Math.min(1, targetDegree / (nP - 1));
  const thrP = o.simThreshold ?? quantileFromTail(tailP, share);
  const thrE = quantileFromTail(tailE, share);

  const gE = buildGraph(nE, simE, thrE, (s) => applyLut(lut, s));
  const gP = buildGraph(nP, simP, thrP, (s) => s);
  const nRef = Math.min(nE, nP) - 1;
  const fE = nodeFeatures(gE.graph, gE.top, thrP, nRef / (nE - 1));
  const fP = nodeFeatures(gP.graph, gP.top, thrP, nRef / (nP - 1));
  const dims = fE.dims;

  // Nearest plaintext nodes of every encoded node.
  const k = Math.min(K, nP);
  const candP = new Int32Array(nE * k);
  const candD = new Float64Array(nE * k);
  const ratio = new Float64Array(nE);
  const bestD = new Float64Array(k);
  const bestJ = new Int32Array(k);
  for (let i = 0; i < nE; i++) {
    bestD.fill(Number.POSITIVE_INFINITY);
    bestJ.fill(-1);
    const oi = i * dims;
    for (let j = 0; j < nP; j++) {
      const oj = j * dims;
      let d = 0;
      for (let c = 0; c < dims; c++) {
        const t = fE.x[oi + c]! - fP.x[oj + c]!;
        d += t * t;
      }
      if (d >= bestD[k - 1]!) continue;
      let p = k - 1;
      while (p > 0 && bestD[p - 1]! > d) {
        bestD[p] = bestD[p - 1]!;
        bestJ[p] = bestJ[p - 1]!;
        p--;
      }
      bestD[p] = d;
      bestJ[p] = j;
    }
    for (let c = 0; c < k; c++) {
      candP[i * k + c] = bestJ[c]!;
      candD[i * k + c] = Math.sqrt(bestD[c]!);
    }
    ratio[i] = k > 1 && candD[i * k + 1]! > 0 ? candD[i * k]! / candD[i * k + 1]! : 1;
  }

  // Greedy one-to-one assignment over the candidate pairs, closest first.
  const order = Array.from({ length: nE * k }, (_, x) => x).sort((a, b) => candD[a]! - candD[b]!);
  const usedE = new Uint8Array(nE);
  const usedP = new Uint8Array(nP);
  const matches: GraphMatch[] = [];
  for (const x of order) {
    const i = Math.floor(x / k);
    const j = candP[x]!;
    if (j < 0 || usedE[i] || usedP[j]) continue;
    usedE[i] = 1;
    usedP[j] = 1;
    const confident = x % k === 0 && ratio[i]! <= ratioCut;
    matches.push({
      encoded: encIdx[i]!,
      plain: plainIdx[j]!,
      distance: candD[x]!,
      ratio: ratio[i]!,
      confident,
    });
  }

  // Scoring.
  let overlap = 0;
  let correct = 0;
  let confident = 0;
  let confidentCorrect = 0;
  if (o.truth) {
    const plainIds = new Set<number>();
    for (const j of plainIdx) {
      const id = o.truth.plain[j]!;
      if (id >= 0) plainIds.add(id);
    }
    for (const i of encIdx) if (plainIds.has(o.truth.encoded[i]!)) overlap++;
  }
  for (const m of matches) {
    const ok =
      o.truth !== undefined &&
      o.truth.encoded[m.encoded]! >= 0 &&
      o.truth.encoded[m.encoded] === o.truth.plain[m.plain];
    if (ok) correct++;
    if (m.confident) {
      confident++;
      if (ok) confidentCorrect++;
    }
  }
  return {
    encodedRecords: nE,
    plainRecords: nP,
    overlap,
    threshold: { plain: thrP, encoded: thrE },
    edges: { plain: gP.graph.edges, encoded: gE.graph.edges },
    matches,
    matched: matches.length,
    correct,
    reidentifiedRate: correct / nE,
    overlapReidentifiedRate: overlap ? correct / overlap : null,
    confident,
    confidentCorrect,
    precision: confident ? confidentCorrect / confident : null,
    chanceRate: overlap / (nP * nE),
    elapsedMs: Date.now() - t0,
  };
}
