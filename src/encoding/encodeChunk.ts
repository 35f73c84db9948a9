import { parse } from 'csv-parse/sync';
import { toBase64 } from './bitfilter.js';
import { recordJson } from './ndjson.js';
import { emptySummary, type QualitySummary, type RowRejection } from './quality.js';
import type { RecordEncoder } from './recordEncoder.js';

/**
 * Encodes one chunk of CSV records: the unit of work a pool worker does. Row numbers in the
 * result are relative to the chunk (1-based); the caller adds the offset of the rows before it.
 * A structural CSV error (a quote never closed) is returned as `fatal` with its chunk-relative
 * line, because nothing after it in the file can be trusted to be split correctly.
 */

export interface ChunkResult {
  readonly ndjson: string;
  readonly refs: string[];
  /** 1 where the record at the same index in `refs` was encoded with a field missing. */
  readonly withMissing: Uint8Array;
  readonly rows: number;
  readonly lines: number;
  readonly quality: QualitySummary;
  readonly rejections: RowRejection[];
  readonly fatal?: { readonly line: number; readonly message: string };
}

export interface ChunkContext {
  readonly encoder: RecordEncoder;
  readonly columns: readonly string[];
  readonly headerLength: number;
  readonly refIndex: number;
  /** Trim spaces around every value (FEBRL-style ", " separators). */
  readonly trim: boolean;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

export function encodeChunk(ctx: ChunkContext, bytes: Uint8Array): ChunkResult {
  const quality = emptySummary(ctx.columns);
  const rejections: RowRejection[] = [];
  const lines = countLines(bytes);
  let records: string[][];
  try {
    records = parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      relax_column_count: true,
      skip_empty_lines: true,
      trim: ctx.trim,
    }) as string[][];
  } catch (e) {
    const err = e as { lines?: number; code?: string };
    return {
      ndjson: '',
      refs: [],
      withMissing: new Uint8Array(0),
      rows: 0,
      lines,
      quality,
      rejections,
      fatal: { line: err.lines ?? 0, message: (err.code ?? 'CSV_ERROR').toLowerCase() },
    };
  }
  let out = '';
  const refs: string[] = [];
  const withMissing = new Uint8Array(records.length);
  for (let r = 0; r < records.length; r++) {
    const row = records[r]!;
    const reject = (reason: string) => {
      rejections.push({ row: r + 1, reason });
      quality.rows++;
      quality.rejected++;
      quality.rejectReasons[reason] = (quality.rejectReasons[reason] ?? 0) + 1;
    };
    if (row.length !== ctx.headerLength) {
      reject(`column_count: expected ${ctx.headerLength} fields, found ${row.length}`);
      continue;
    }
    const ref = row[ctx.refIndex]!.trim();
    if (ref.length === 0) {
      reject('ref_empty');
      continue;
    }
    if (ref.length > 256) {
      reject('ref_too_long');
      continue;
    }
    const before = quality.encodedWithMissing;
    const { clk, blocks } = ctx.encoder.encode(row, quality);
    out += recordJson(ref, toBase64(clk), blocks);
    withMissing[refs.length] = quality.encodedWithMissing - before;
    refs.push(ref);
  }
  return { ndjson: out, refs, withMissing, rows: records.length, lines, quality, rejections };
}
