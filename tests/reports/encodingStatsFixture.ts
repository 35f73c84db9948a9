import { writeFileSync } from 'node:fs';
import { ENCODINGS_FORMAT, type HeaderLine, type SummaryLine } from '../../src/encoding/ndjson.js';

/**
 * Encodings files built from given filters, for the report tests: a valid header, one record
 * line per filter (in the encoder's own layout, so the parser's fast path reads them) and, if
 * asked, a summary line.
 */
export interface FixtureOptions {
  readonly filterBits: number;
  readonly refs?: readonly string[];
  readonly keyFingerprint?: string;
  readonly schemaFingerprint?: string;
  readonly hardening?: Partial<HeaderLine['hardening']>;
  /** A summary line to end the file with; `encoded` defaults to the number of filters. */
  readonly summary?: Partial<SummaryLine> | false;
}

export const KEY_A = 'a'.repeat(32);
export const KEY_B = 'b'.repeat(32);
export const SCHEMA_A = 'c'.repeat(32);

export function header(o: FixtureOptions): HeaderLine {
  return {
    type: 'header',
    format: ENCODINGS_FORMAT,
    schemaSource: 'cohortlink',
    schemaFingerprint: o.schemaFingerprint ?? SCHEMA_A,
    keyFingerprint: o.keyFingerprint ?? KEY_A,
    filterBits: o.filterBits,
    blockKeys: ['bk'],
    hardening: { balance: false, salted: false, bitFlip: 0, xorFolds: 0, ...o.hardening },
    refColumn: 'ref',
    createdAt: '2026-01-01T00:00:00.000Z',
    encoder: 'test fixture',
  };
}

export function summary(records: number, s: Partial<SummaryLine> = {}): SummaryLine {
  return {
    type: 'summary',
    rows: records,
    encoded: records,
    encodedWithMissing: 0,
    rejected: 0,
    rejectReasons: {},
    rejections: [],
    fields: {},
    popcount: { min: 0, max: 0, mean: 0, sd: 0 },
    ...s,
  };
}

export function refOf(i: number): string {
  return `REFX${String(i).padStart(7, '0')}Q`;
}

/** The record lines' `clk` strings, in order. */
export function clks(filters: readonly Uint8Array[]): string[] {
  return filters.map((f) => Buffer.from(f).toString('base64'));
}

export function writeEncodings(path: string, filters: readonly Uint8Array[], o: FixtureOptions): string[] {
  const refs = o.refs ?? filters.map((_, i) => refOf(i));
  const c = clks(filters);
  const lines = [JSON.stringify(header(o))];
  // A block key per record, unique, so a leak of block keys would be visible too.
  for (let i = 0; i < filters.length; i++)
    lines.push(`{"ref":"${refs[i]}","clk":"${c[i]}","blocks":{"bk":"BK${i}zz"}}`);
  if (o.summary !== false) lines.push(JSON.stringify(summary(filters.length, o.summary ?? {})));
  writeFileSync(path, `${lines.join('\n')}\n`);
  return c;
}

/** A filter of `bits` bits with bit i set with probability p(i), from a seeded generator. */
export function randomFilters(
  count: number,
  bits: number,
  p: (bit: number) => number,
  seed = 1,
): Uint8Array[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: deterministic and fast enough for test data
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const out: Uint8Array[] = [];
  for (let r = 0; r < count; r++) {
    const f = new Uint8Array(bits / 8);
    for (let i = 0; i < bits; i++) if (next() < p(i)) f[i >>> 3]! |= 0x80 >>> (i & 7);
    out.push(f);
  }
  return out;
}
