import { CohortlinkError } from '../errors.js';
import { popcount, xorFold } from './bitfilter.js';
import { applyBalance, applyBitFlip } from './hardening.js';
import type { EncodingPlan, FeaturePlan, Prepared } from './plan.js';
import type { QualitySummary } from './quality.js';
import { TokenCache } from './tokenCache.js';

export interface EncodedRecord {
  readonly clk: Uint8Array;
  readonly blocks: Record<string, string>;
}

export class RecordEncoder {
  private readonly fieldIndex: readonly number[];
  private readonly saltField: number;
  private readonly blockParts: readonly (readonly number[])[];
  private readonly prepared: Prepared[];
  private readonly prepareCaches: readonly TokenCache<Prepared>[];
  private readonly tokenCaches: readonly (readonly Map<number, Uint16Array>[])[];
  private readonly blockCaches: readonly TokenCache<string>[];
  private readonly scratch: number[] = [];

  constructor(
    private readonly plan: EncodingPlan,
    header: readonly string[],
  ) {
    const position = new Map<string, number>();
    header.forEach((h, i) => {
      if (!position.has(h)) position.set(h, i);
    });
    const missing = [...new Set([...plan.requiredColumns, ...plan.fields.map((f) => f.column)])].filter((c) => !position.has(c));
    if (missing.length > 0) {
      throw new CohortlinkError(
        'CL_CSV_HEADER',
        `the CSV header lacks ${missing.length} column(s) the schema needs`,
        missing.map((c) => ({ path: `header.${c}`, message: 'column named in the schema is not in the CSV header' })),
      );
    }
    this.fieldIndex = plan.fields.map((f) => position.get(f.column)!);
    const fieldPos = new Map(plan.fields.map((f, i) => [f.column, i]));
    this.saltField = plan.hardening.saltColumn !== undefined ? (fieldPos.get(plan.hardening.saltColumn) ?? -1) : -1;
    this.blockParts = plan.blocking.map((b) => b.parts.map((p) => fieldPos.get(p.column) ?? -1));
    this.prepared = new Array(plan.fields.length);
    this.prepareCaches = plan.fields.map(() => new TokenCache<Prepared>(1 << 14, 0.02));
    this.tokenCaches = plan.fields.map((f) => f.features.map(() => new Map<number, Uint16Array>()));
    this.blockCaches = plan.blocking.map(() => new TokenCache<string>(1 << 14, 0.02));
  }

  /** Encodes one row, counting each field's status into `quality`. */
  encode(row: readonly string[], quality: QualitySummary): EncodedRecord {
    const plan = this.plan;
    const fields = plan.fields;
    for (let f = 0; f < fields.length; f++) this.prepared[f] = this.prepare(f, row[this.fieldIndex[f]!] ?? '');
    const salt = this.saltField >= 0 ? saltOf(this.prepared[this.saltField]!, plan.hardening.saltComponent) : '';
    let filter: Uint8Array = new Uint8Array(plan.hashBits >>> 3);
    let anyMissing = false;
    for (let f = 0; f < fields.length; f++) {
      const p = this.prepared[f]!;
      const q = quality.fields[fields[f]!.column]!;
      if (p.kind === 'present') q.present++;
      else {
        anyMissing = true;
        if (p.kind === 'missing') q.missing++;
        else {
          q.invalid++;
          q.invalidReasons[p.reason] = (q.invalidReasons[p.reason] ?? 0) + 1;
        }
      }
      if (p.kind !== 'invalid' && p.components !== undefined) this.hashField(f, p.components, salt, filter);
    }
    if (plan.xorFolds > 0) filter = xorFold(filter, plan.xorFolds);
    if (plan.hardening.bitFlip) filter = applyBitFlip(filter, plan.hardening.bitFlip);
    if (plan.hardening.balance) filter = applyBalance(filter, plan.hardening.balance.permutation);

    const blocks: Record<string, string> = {};
    for (let b = 0; b < plan.blocking.length; b++) {
      const spec = plan.blocking[b]!;
      const idx = this.blockParts[b]!;
      let joined = '';
      let ok = true;
      for (let j = 0; j < spec.parts.length && ok; j++) {
        const v = idx[j]! >= 0 ? spec.parts[j]!.derive(this.prepared[idx[j]!]!) : undefined;
        if (v === undefined || v.length === 0) ok = false;
        else joined += j === 0 ? v : `\u001f${v}`;
      }
      if (!ok) continue;
      const cache = this.blockCaches[b]!;
      let mac = cache.get(joined);
      if (mac === undefined) {
        mac = spec.mac(joined);
        cache.set(joined, mac);
      }
      blocks[spec.name] = mac;
    }

    quality.rows++;
    quality.encoded++;
    if (anyMissing) quality.encodedWithMissing++;
    const pc = popcount(filter);
    const pq = quality.popcount;
    if (pc < pq.min) pq.min = pc;
    if (pc > pq.max) pq.max = pc;
    pq.sum += pc;
    pq.sumSquares += pc * pc;
    return { clk: filter, blocks };
  }

  private prepare(f: number, raw: string): Prepared {
    const cache = this.prepareCaches[f]!;
    let p = cache.get(raw);
    if (p === undefined) {
      p = this.plan.fields[f]!.prepare(raw);
      cache.set(raw, p);
    }
    return p;
  }

  private hashField(f: number, components: Readonly<Record<string, string>>, salt: string, filter: Uint8Array): void {
    const features = this.plan.fields[f]!.features;
    for (let j = 0; j < features.length; j++) {
      const feature = features[j]!;
      const value = components[feature.component];
      if (value === undefined || value.length === 0) continue;
      if (feature.gram !== undefined && salt.length === 0 && !hasSurrogate(value)) {
        this.hashGrams(feature, this.tokenCaches[f]![j]!, value, filter);
      } else {
        this.hashTokens(feature, value, salt, filter);
      }
    }
  }

  /** The integer-key path: token i of a padded q-gram walk, identified by its code points. */
  private hashGrams(feature: FeaturePlan, cache: Map<number, Uint16Array>, value: string, filter: Uint8Array): void {
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
        pos = Uint16Array.from(out);
        if (key >= 0) {
          if (cache.size >= 1 << 16) cache.clear();
          cache.set(key, pos);
        }
      }
      for (let i = 0; i < pos.length; i++) {
        const b = pos[i]!;
        filter[b >>> 3]! |= 0x80 >>> (b & 7);
      }
    }
  }

  /** The general path: any tokeniser, optional salt; the hashers cache per token string. */
  private hashTokens(feature: FeaturePlan, value: string, salt: string, filter: Uint8Array): void {
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
      for (let i = 0; i < out.length; i++) {
        const b = out[i]!;
        filter[b >>> 3]! |= 0x80 >>> (b & 7);
      }
    }
  }
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
