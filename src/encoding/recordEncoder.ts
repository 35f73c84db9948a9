import { CohortlinkError } from '../errors.js';
import { popcount, xorFold } from './bitfilter.js';
import { applyBalance, applyBitFlip } from './hardening.js';
import type { EncodingPlan, FeaturePlan, Prepared } from './plan.js';
import { PositionArena, type PositionSpan } from './positionArena.js';
import type { FieldQuality, QualitySummary } from './quality.js';
import { TokenCache } from './tokenCache.js';

export interface EncodedRecord {
  readonly clk: Uint8Array;
  /** One JSON member text per block key of the plan ('"nhs":"…"'), or '' where a part is
   * missing. Block names are restricted to [A-Za-z0-9_-] and keys are base64url, so members
   * are written without escaping. The array is reused by the next encode() call. */
  readonly blockFragments: readonly string[];
}

/** The block keys of an encoded record as an object (for callers off the hot path). */
export function blocksOf(r: EncodedRecord): Record<string, string> {
  return JSON.parse(`{${r.blockFragments.filter((f) => f.length > 0).join(',')}}`);
}

/** A raw field value worked out once: its prepared form and, unsalted, every bit it sets
 * (positions[start .. start + length) of slab; length -1 until computed). */
interface FieldEntry extends PositionSpan {
  readonly prepared: Prepared;
  /** prepared.kind === 'present', kept here so a cache hit need not load `prepared`. */
  readonly present: boolean;
  /** The value's contribution to each block-key part that reads this field ('' = none). */
  readonly blockValues: readonly string[];
  /** The same contributions as small integers, interned per block-key part (-1 = none). */
  readonly blockIds: readonly number[];
}

const NO_POSITIONS = new Uint16Array(0);

/** Distinct values a block-key part may intern before its key stops being cached. */
const MAX_INTERNED = 1 << 16;

export class RecordEncoder {
  private readonly fieldIndex: readonly number[];
  private readonly saltField: number;
  private readonly blockParts: readonly (readonly number[])[];
  private readonly prepared: Prepared[];
  private readonly prepareCaches: readonly TokenCache<FieldEntry>[];
  private readonly arenas: readonly PositionArena[];
  private readonly entries: FieldEntry[];
  private readonly tokenCaches: readonly (readonly Map<number, Uint16Array>[])[];
  /** Per block key: fragments in nested arrays indexed by the parts' interned ids, or null
   * once a part has too many distinct values to be worth caching (NHS numbers). */
  private readonly blockTables: (unknown[] | null)[];
  /** Per block key and part: value → interned id. */
  private readonly interns: readonly (readonly Map<string, number>[])[];
  private readonly partIds: number[] = [];
  private readonly partValues: string[] = [];
  private readonly fragments: string[] = [];
  private readonly transient: FieldEntry[] = [];
  private readonly filterScratch: Uint8Array;
  private readonly result: { clk: Uint8Array; blockFragments: string[] };
  private readonly partSlot: readonly (readonly number[])[];
  private readonly fieldDerivers: readonly (readonly ((p: Prepared) => string | undefined)[])[];
  private readonly fieldSlotParts: readonly (readonly { b: number; j: number }[])[];
  private readonly scratch: number[] = [];
  private readonly positionsScratch: number[] = [];
  private readonly blockPrefixes: readonly string[];
  private quality: QualitySummary | undefined;
  private fieldQuality: FieldQuality[] = [];

  constructor(
    private readonly plan: EncodingPlan,
    header: readonly string[],
  ) {
    const position = new Map<string, number>();
    header.forEach((h, i) => {
      if (!position.has(h)) position.set(h, i);
    });
    const missing = [...new Set([...plan.requiredColumns, ...plan.fields.map((f) => f.column)])].filter(
      (c) => !position.has(c),
    );
    if (missing.length > 0) {
      throw new CohortlinkError(
        'CL_CSV_HEADER',
        `the CSV header lacks ${missing.length} column(s) the schema needs`,
        missing.map((c) => ({
          path: `header.${c}`,
          message: 'column named in the schema is not in the CSV header',
        })),
      );
    }
    this.fieldIndex = plan.fields.map((f) => position.get(f.column)!);
    const fieldPos = new Map(plan.fields.map((f, i) => [f.column, i]));
    this.saltField =
      plan.hardening.saltColumn !== undefined ? (fieldPos.get(plan.hardening.saltColumn) ?? -1) : -1;
    this.blockParts = plan.blocking.map((b) => b.parts.map((p) => fieldPos.get(p.column) ?? -1));
    // For each field, the block-key parts it feeds; for each part, where its value is found.
    const slots: { b: number; j: number }[][] = plan.fields.map(() => []);
    this.partSlot = plan.blocking.map((b, bi) =>
      b.parts.map((_, j) => {
        const f = this.blockParts[bi]![j]!;
        if (f < 0) return -1;
        slots[f]!.push({ b: bi, j });
        return slots[f]!.length - 1;
      }),
    );
    this.fieldDerivers = slots.map((list) => list.map(({ b, j }) => plan.blocking[b]!.parts[j]!.derive));
    this.prepared = new Array(plan.fields.length);
    this.filterScratch = new Uint8Array(plan.hashBits >>> 3);
    this.result = { clk: this.filterScratch, blockFragments: this.fragments };
    this.entries = new Array(plan.fields.length);
    this.prepareCaches = plan.fields.map(() => new TokenCache<FieldEntry>(1 << 16, 0.05));
    this.arenas = plan.fields.map(() => new PositionArena());
    this.tokenCaches = plan.fields.map((f) => f.features.map(() => new Map<number, Uint16Array>()));
    this.blockPrefixes = plan.blocking.map((b) => `"${b.name}":"`);
    this.blockTables = plan.blocking.map(() => []);
    this.interns = plan.blocking.map((b) => b.parts.map(() => new Map<string, number>()));
    this.fieldSlotParts = slots;
  }

  /** Encodes one row, counting each field's status into `quality`. The result is the caller's. */
  encode(row: readonly string[], quality: QualitySummary): EncodedRecord {
    const r = this.encodeInto(row, quality);
    return { clk: r.clk.slice(), blockFragments: r.blockFragments.slice() };
  }

  /**
   * The hot path of encode(): the returned record, its filter and its fragment array are
   * reused by the next call (a fresh typed array per record was a measurable share of GC
   * work), so the caller must use or copy them first.
   */
  encodeInto(row: readonly string[], quality: QualitySummary): EncodedRecord {
    const plan = this.plan;
    const fields = plan.fields;
    if (quality !== this.quality) {
      // Resolve the per-field counters once per summary, not by column name per record.
      this.quality = quality;
      this.fieldQuality = fields.map((fp) => quality.fields[fp.column]!);
    }
    const fieldQuality = this.fieldQuality;
    for (let f = 0; f < fields.length; f++) {
      const e = this.entry(f, row[this.fieldIndex[f]!] ?? '');
      this.entries[f] = e;
      this.prepared[f] = e.prepared;
    }
    const salt =
      this.saltField >= 0 ? saltOf(this.prepared[this.saltField]!, plan.hardening.saltComponent) : '';
    let filter: Uint8Array = this.filterScratch;
    filter.fill(0);
    let anyMissing = false;
    for (let f = 0; f < fields.length; f++) {
      const e = this.entries[f]!;
      const q = fieldQuality[f]!;
      // The common case, a present value whose bits are cached, reads only the entry (each
      // further object on the way is a likely cache miss: the caches are large).
      if (e.present) {
        q.present++;
        if (salt.length === 0 && e.length >= 0) {
          setPositions(filter, e.slab, e.start, e.length);
          continue;
        }
      }
      const p = this.prepared[f]!;
      if (p.kind !== 'present') {
        anyMissing = true;
        if (p.kind === 'missing') q.missing++;
        else {
          q.invalid++;
          q.invalidReasons[p.reason] = (q.invalidReasons[p.reason] ?? 0) + 1;
        }
      }
      if (p.kind === 'invalid' || p.components === undefined) continue;
      // Two loops on purpose: one element type each keeps the bit-setting loop monomorphic.
      if (salt.length === 0 && e.length >= 0) {
        setPositions(filter, e.slab, e.start, e.length);
        continue;
      }
      // Salted positions depend on another field, so they are not cached with the value.
      const computed = this.fieldPositions(f, p.components, salt);
      if (salt.length === 0 && this.prepareCaches[f]!.enabled) this.arenas[f]!.store(computed, e);
      setPositionList(filter, computed);
    }
    if (plan.xorFolds > 0) filter = xorFold(filter, plan.xorFolds);
    if (plan.hardening.bitFlip) filter = applyBitFlip(filter, plan.hardening.bitFlip);
    if (plan.hardening.balance) filter = applyBalance(filter, plan.hardening.balance.permutation);

    const fragments = this.fragments;
    for (let b = 0; b < plan.blocking.length; b++) fragments[b] = this.blockFragment(b);

    quality.rows++;
    quality.encoded++;
    if (anyMissing) quality.encodedWithMissing++;
    const pc = popcount(filter);
    const pq = quality.popcount;
    if (pc < pq.min) pq.min = pc;
    if (pc > pq.max) pq.max = pc;
    pq.sum += pc;
    pq.sumSquares += pc * pc;
    const result = this.result;
    result.clk = filter;
    return result;
  }

  /**
   * One block key as its JSON fragment ('"name":"key"', or '' when a part is missing). The MAC
   * is the cost, and blocking values repeat (that is what makes them blocks), so fragments are
   * cached in nested arrays indexed by the parts' interned ids. Ids are assigned when a field
   * value is first prepared and kept in its cache entry, so a hit does no string hashing at
   * all. (Measured, slower: one map keyed by the joined string; nested maps keyed by the part
   * strings; caching by prepared-value identity, which misses far more because distinct
   * (name, date) pairs outnumber (Soundex, day) pairs.)
   */
  private blockFragment(b: number): string {
    const idx = this.blockParts[b]!;
    const slot = this.partSlot[b]!;
    const n = idx.length;
    const parts = this.partValues;
    const ids = this.partIds;
    for (let j = 0; j < n; j++) {
      const f = idx[j]!;
      if (f < 0) return '';
      const e = this.entries[f]!;
      const v = e.blockValues[slot[j]!]!;
      if (v.length === 0) return '';
      parts[j] = v;
      ids[j] = e.blockIds[slot[j]!]!;
    }
    const table = this.blockTables[b]!;
    if (table === null) return this.macFragment(b, n);
    let level = table;
    for (let j = 0; j < n - 1; j++) {
      let next = level[ids[j]!] as unknown[] | undefined;
      if (next === undefined) {
        next = [];
        level[ids[j]!] = next;
      }
      level = next;
    }
    let fragment = level[ids[n - 1]!] as string | undefined;
    if (fragment === undefined) {
      fragment = this.macFragment(b, n);
      level[ids[n - 1]!] = fragment;
    }
    return fragment;
  }

  private macFragment(b: number, n: number): string {
    let joined = this.partValues[0]!;
    for (let j = 1; j < n; j++) joined += `\u001f${this.partValues[j]}`;
    return `${this.blockPrefixes[b]}${this.plan.blocking[b]!.mac(joined)}"`;
  }

  /** The id of a block-key part's value; a part with too many distinct values turns its
   * key's cache off (the key is then MACed for every record, which it would be anyway). */
  private intern(at: { b: number; j: number }, v: string): number {
    if (this.blockTables[at.b] === null) return 0;
    const ids = this.interns[at.b]![at.j]!;
    let id = ids.get(v);
    if (id === undefined) {
      if (ids.size >= MAX_INTERNED) {
        this.blockTables[at.b] = null;
        for (const m of this.interns[at.b]!) m.clear();
        return 0;
      }
      id = ids.size;
      ids.set(v, id);
    }
    return id;
  }

  private entry(f: number, raw: string): FieldEntry {
    const cache = this.prepareCaches[f]!;
    const hit = cache.get(raw);
    if (hit !== undefined) return hit;
    const prepared = this.plan.fields[f]!.prepare(raw);
    const derivers = this.fieldDerivers[f]!;
    // A field whose cache is off (values never repeat) reuses one entry: nothing to keep.
    const e: FieldEntry = cache.enabled
      ? {
          prepared,
          present: prepared.kind === 'present',
          slab: NO_POSITIONS,
          start: 0,
          length: -1,
          blockValues: new Array(derivers.length),
          blockIds: new Array(derivers.length),
        }
      : this.transientEntry(f, prepared);
    const blockValues = e.blockValues as string[];
    const blockIds = e.blockIds as number[];
    for (let i = 0; i < derivers.length; i++) {
      const v = derivers[i]!(prepared) ?? '';
      blockValues[i] = v;
      blockIds[i] = v.length === 0 ? -1 : this.intern(this.fieldSlotParts[f]![i]!, v);
    }
    if (cache.enabled) cache.set(raw, e);
    return e;
  }

  private transientEntry(f: number, prepared: Prepared): FieldEntry {
    let e = this.transient[f];
    if (e === undefined) {
      e = {
        prepared,
        present: false,
        slab: NO_POSITIONS,
        start: 0,
        length: -1,
        blockValues: [],
        blockIds: [],
      };
      this.transient[f] = e;
    }
    (e as { prepared: Prepared }).prepared = prepared;
    (e as { present: boolean }).present = prepared.kind === 'present';
    return e;
  }

  /** Every bit position the field's features set, in the shared scratch array. */
  private fieldPositions(f: number, components: Readonly<Record<string, string>>, salt: string): number[] {
    const out = this.positionsScratch;
    out.length = 0;
    const features = this.plan.fields[f]!.features;
    for (let j = 0; j < features.length; j++) {
      const feature = features[j]!;
      const value = components[feature.component];
      if (value === undefined || value.length === 0) continue;
      if (feature.gram !== undefined && salt.length === 0 && !hasSurrogate(value)) {
        this.hashGrams(feature, this.tokenCaches[f]![j]!, value, out);
      } else {
        this.hashTokens(feature, value, salt, out);
      }
    }
    return out;
  }

  /** The integer-key path: token i of a padded q-gram walk, identified by its code points. */
  private hashGrams(
    feature: FeaturePlan,
    cache: Map<number, Uint16Array>,
    value: string,
    into: number[],
  ): void {
    const q = feature.gram!.q;
    const positional = feature.gram!.positional;
    const len = value.length;
    const n = q === 1 ? len : len + 1;
    const bits = feature.bits;
    const base = 'perToken' in bits ? bits.perToken : Math.floor(bits.perFeature / n);
    const extra = 'perToken' in bits ? 0 : bits.perFeature % n;
    for (let t = 0; t < n; t++) {
      const k = t < extra ? base + 1 : base;
      // Small-integer keys (V8 Smis: no allocation, fast hashing): Latin-1 code points and
      // the position (q = 1) or both grams (q = 2), times 512, plus k (< 512).
      const c1 = q === 1 ? value.charCodeAt(t) : t === 0 ? 32 : value.charCodeAt(t - 1);
      const c2 = q === 1 ? (positional ? t + 1 : 0) : t === len ? 32 : value.charCodeAt(t);
      const key = c1 < 256 && c2 < 4096 && k < 512 ? (((c2 << 8) | c1) << 9) | k : -1;
      let pos = key >= 0 ? cache.get(key) : undefined;
      if (pos === undefined) {
        const gram = q === 1 ? value[t]! : (t === 0 ? ' ' : value[t - 1]!) + (t === len ? ' ' : value[t]!);
        const out = this.scratch;
        out.length = 0;
        feature.hasher.positions(positional ? `${t + 1} ${gram}` : gram, k, out);
        pos = toUint16(out);
        if (key >= 0) {
          if (cache.size >= 1 << 16) cache.clear();
          cache.set(key, pos);
        }
      }
      for (let i = 0; i < pos.length; i++) into.push(pos[i]!);
    }
  }

  /** The general path: any tokeniser, optional salt; the hashers cache per token string. */
  private hashTokens(feature: FeaturePlan, value: string, salt: string, into: number[]): void {
    const tokens = feature.tokenise(value);
    const n = tokens.length;
    if (n === 0) return;
    const bits = feature.bits;
    // bitsPerFeature spreads the budget so the first (total mod n) tokens get one more bit.
    const base = 'perToken' in bits ? bits.perToken : Math.floor(bits.perFeature / n);
    const extra = 'perToken' in bits ? 0 : bits.perFeature % n;
    const out = this.scratch;
    for (let t = 0; t < n; t++) {
      out.length = 0;
      const token = salt.length > 0 ? `${salt}\u001f${tokens[t]}` : tokens[t]!;
      feature.hasher.positions(token, t < extra ? base + 1 : base, out);
      for (let i = 0; i < out.length; i++) into.push(out[i]!);
    }
  }
}

function setPositions(filter: Uint8Array, slab: Uint16Array, start: number, length: number): void {
  for (let i = start, end = start + length; i < end; i++) {
    const b = slab[i]!;
    filter[b >>> 3]! |= 0x80 >>> (b & 7);
  }
}

function setPositionList(filter: Uint8Array, pos: number[]): void {
  for (let i = 0; i < pos.length; i++) {
    const b = pos[i]!;
    filter[b >>> 3]! |= 0x80 >>> (b & 7);
  }
}

/** Uint16Array.from(list) without the iterator protocol (for the rare gram-cache misses). */
function toUint16(list: readonly number[]): Uint16Array {
  const out = new Uint16Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i]!;
  return out;
}

function hasSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

function saltOf(p: Prepared, component: string | undefined): string {
  if (p.kind === 'invalid' || p.components === undefined) return '';
  return (component !== undefined ? p.components[component] : Object.values(p.components)[0]) ?? '';
}
