import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvParseRows } from 'd3-dsv';
import { emptySummary } from '../src/encoding/quality.js';
import { RecordEncoder } from '../src/encoding/recordEncoder.js';
import type { CohortlinkSchemaInput } from '../src/encoding/schema/cohortlinkSchema.js';
import { compileSchema } from '../src/encoding/schema/load.js';
import { PRESETS } from '../src/encoding/schema/presets.js';

/**
 * What each hardening option costs in linkage quality, measured on generated data: every
 * hospital record is compared with every spine record (no blocking, so blocking cannot hide a
 * loss) and we report how often the best-scoring spine record is the true one, and how far
 * apart true-match and non-match scores lie.
 */

export interface HardeningRow {
  readonly variant: string;
  readonly top1Accuracy: number;
  readonly trueDiceP01: number;
  readonly trueDiceMedian: number;
  readonly bestNonMatchP99: number;
}

const VARIANTS: Record<string, Partial<CohortlinkSchemaInput>> = {
  'none (uk-unhardened)': {},
  'salt: birth year': { hardening: { salt: { column: 'date_of_birth', component: 'year' } } },
  balance: { hardening: { balance: true } },
  'bit flip p=0.02': { hardening: { bitFlip: { probability: 0.02 } } },
  'bit flip p=0.05': { hardening: { bitFlip: { probability: 0.05 } } },
  'XOR fold 1024→512': { filter: { bits: 512, xorFolds: 1 } },
};

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const all = csvParseRows(readFileSync(path, 'utf8')).filter((r) => r.length > 1);
  return { header: all[0]!, rows: all.slice(1) };
}

function encodeAll(
  schema: unknown,
  secret: Uint8Array,
  data: { header: string[]; rows: string[][] },
): Uint32Array[] {
  const plan = compileSchema(schema, secret);
  const enc = new RecordEncoder(plan, data.header);
  const q = emptySummary(plan.fields.map((f) => f.column));
  return data.rows.map((r) => {
    const clk = enc.encode(r, q).clk;
    return new Uint32Array(clk.buffer.slice(clk.byteOffset, clk.byteOffset + clk.byteLength));
  });
}

function pop32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function benchHardening(dir: string, limit = 3000): HardeningRow[] {
  const spine = readCsv(join(dir, 'spine.csv'));
  const hospital = readCsv(join(dir, 'hospital.csv'));
  const personOf = new Map<string, string>();
  for (const [person, dataset, ref] of csvParseRows(readFileSync(join(dir, 'truth.csv'), 'utf8')).slice(1)) {
    personOf.set(`${dataset}:${ref}`, person!);
  }
  const spineRows = { header: spine.header, rows: spine.rows.slice(0, limit) };
  const spinePerson = spineRows.rows.map((r) => personOf.get(`spine:${r[0]}`));
  const indexOfPerson = new Map(spinePerson.map((p, i) => [p, i]));
  const hospRows = {
    header: hospital.header,
    rows: hospital.rows.filter((r) => indexOfPerson.has(personOf.get(`hospital:${r[0]}`))),
  };
  const truth = hospRows.rows.map((r) => indexOfPerson.get(personOf.get(`hospital:${r[0]}`))!);
  const secret = new TextEncoder().encode('hardening benchmark secret');

  const rows: HardeningRow[] = [];
  for (const [variant, change] of Object.entries(VARIANTS)) {
    // Each option on its own, applied to the schema without folding (the `uk` preset is folded).
    const schema = { ...PRESETS['uk-unhardened']!, ...change, blocking: [] };
    const a = encodeAll(schema, secret, hospRows);
    const b = encodeAll(schema, secret, spineRows);
    const popB = b.map((f) => f.reduce((s, w) => s + pop32(w), 0));
    let correct = 0;
    const trueScores: number[] = [];
    const bestNon: number[] = [];
    for (let i = 0; i < a.length; i++) {
      const fa = a[i]!;
      let pa = 0;
      for (let w = 0; w < fa.length; w++) pa += pop32(fa[w]!);
      let best = -1;
      let bestJ = -1;
      let bestNonMatch = 0;
      for (let j = 0; j < b.length; j++) {
        const fb = b[j]!;
        let inter = 0;
        for (let w = 0; w < fa.length; w++) inter += pop32(fa[w]! & fb[w]!);
        const d = pa + popB[j]! === 0 ? 0 : (2 * inter) / (pa + popB[j]!);
        if (d > best) {
          best = d;
          bestJ = j;
        }
        if (j === truth[i]) trueScores.push(d);
        else if (d > bestNonMatch) bestNonMatch = d;
      }
      if (bestJ === truth[i]) correct++;
      bestNon.push(bestNonMatch);
    }
    trueScores.sort((x, y) => x - y);
    bestNon.sort((x, y) => x - y);
    rows.push({
      variant,
      top1Accuracy: correct / a.length,
      trueDiceP01: quantile(trueScores, 0.01),
      trueDiceMedian: quantile(trueScores, 0.5),
      bestNonMatchP99: quantile(bestNon, 0.99),
    });
  }
  return rows;
}
