import { CohortlinkError } from '../errors.js';
import { popcount, xorFold } from './bitfilter.js';
import { applyBalance, applyBitFlip } from './hardening.js';
import type { EncodingPlan, FieldPlan, Prepared } from './plan.js';
import type { QualitySummary } from './quality.js';

export interface EncodedRecord {
  readonly clk: Uint8Array;
  readonly blocks: Record<string, string>;
}

/**
 * Encodes CSV rows (already split into fields) under one plan. Column positions are resolved
 * once from the header, so a record's CLK depends only on its own values, never on column
 * order or on other records.
 */
export class RecordEncoder {
  private readonly fieldIndex: readonly number[];
  private readonly saltField: number;
  private readonly blockParts: readonly (readonly number[])[];
  private readonly prepared: Prepared[];

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
  }

  /** Encodes one row, counting each field's status into `quality`. */
  encode(row: readonly string[], quality: QualitySummary): EncodedRecord {
    const plan = this.plan;
    const fields = plan.fields;
    let anyMissing = false;
    for (let f = 0; f < fields.length; f++) {
      const p = fields[f]!.prepare(row[this.fieldIndex[f]!] ?? '');
      this.prepared[f] = p;
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
    }
    const salt = this.saltField >= 0 ? saltOf(this.prepared[this.saltField]!, plan.hardening.saltComponent) : '';
    let filter: Uint8Array = new Uint8Array(plan.hashBits >>> 3);
    for (let f = 0; f < fields.length; f++) hashField(fields[f]!, this.prepared[f]!, salt, filter);
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
      if (ok) blocks[spec.name] = spec.mac(joined);
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
}

function saltOf(p: Prepared, component: string | undefined): string {
  if (p.kind === 'invalid' || p.components === undefined) return '';
  return (component !== undefined ? p.components[component] : Object.values(p.components)[0]) ?? '';
}

function hashField(field: FieldPlan, p: Prepared, salt: string, filter: Uint8Array): void {
  if (p.kind === 'invalid' || p.components === undefined) return;
  for (const feature of field.features) {
    const value = p.components[feature.component];
    if (value === undefined || value.length === 0) continue;
    const tokens = feature.tokenise(value);
    const n = tokens.length;
    if (n === 0) continue;
    const bits = feature.bits;
    // bitsPerFeature spreads the budget so the first (total mod n) tokens get one more bit.
    const base = 'perToken' in bits ? bits.perToken : Math.floor(bits.perFeature / n);
    const extra = 'perToken' in bits ? 0 : bits.perFeature % n;
    for (let t = 0; t < n; t++) {
      const token = salt.length > 0 ? `${salt}\u001f${tokens[t]}` : tokens[t]!;
      feature.hasher.insert(token, t < extra ? base + 1 : base, filter);
    }
  }
}
