import { csvParseRows } from 'd3-dsv';
import { LineBuffer } from './lineBuffer.js';
import { refProblem } from './ndjson.js';
import { emptySummary, type QualitySummary, type RowRejection } from './quality.js';
import type { RecordEncoder } from './recordEncoder.js';

/**
 * Encodes one chunk of CSV records: the unit of work a pool worker does. Row numbers in the
 * result are relative to the chunk (1-based); the caller adds the offset of the rows before it.
 * A structural CSV error (a quote never closed) is returned as `fatal` with its chunk-relative
 * line, because nothing after it in the file can be trusted to be split correctly.
 */

export interface ChunkResult {
  /** The record lines as UTF-8 bytes: transferred to the main thread, not cloned. */
  readonly ndjson: Uint8Array;
  /** The encoded records' references as UTF-16 code units, one after another (typed arrays
   * transfer without cloning and give the main thread nothing to hash or trace as strings);
   * reference i is refUnits[refEnds[i - 1] ?? 0 .. refEnds[i]). */
  readonly refUnits: Uint16Array;
  readonly refEnds: Uint32Array;
  /** 1 where the record at the same index in `refEnds` was encoded with a field missing. */
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

const decoder = new TextDecoder('utf-8', { fatal: false });
/** NDJSON bytes per CSV byte in the last chunk this thread encoded. */
let outputRatio = 3;

/** The 1-based line (within the chunk) of a quote that opens and never closes, or 0. */
function unclosedQuoteLine(bytes: Uint8Array): number {
  if (bytes.indexOf(0x22) < 0) return 0;
  let inQuote = false;
  let openedAt = -1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x22) {
      inQuote = !inQuote;
      if (inQuote) openedAt = i;
    }
  }
  return inQuote ? countLines(bytes.subarray(0, openedAt)) + 1 : 0;
}

function countLines(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** Collects references as code units and end offsets in growing typed arrays. */
class RefWriter {
  private buf: Uint16Array;
  private pos = 0;
  private endsBuf: Uint32Array;
  count = 0;

  constructor(expected: number) {
    this.buf = new Uint16Array(expected * 12);
    this.endsBuf = new Uint32Array(expected);
  }

  push(ref: string): void {
    const n = ref.length;
    if (this.pos + n > this.buf.length) {
      const grown = new Uint16Array(Math.max(this.buf.length * 2, this.pos + n));
      grown.set(this.buf.subarray(0, this.pos));
      this.buf = grown;
    }
    const buf = this.buf;
    for (let i = 0; i < n; i++) buf[this.pos + i] = ref.charCodeAt(i);
    this.pos += n;
    if (this.count === this.endsBuf.length) {
      const grown = new Uint32Array(this.endsBuf.length * 2);
      grown.set(this.endsBuf);
      this.endsBuf = grown;
    }
    this.endsBuf[this.count++] = this.pos;
  }

  units(): Uint16Array {
    return this.buf.subarray(0, this.pos);
  }

  ends(): Uint32Array {
    return this.endsBuf.subarray(0, this.count);
  }
}

export function encodeChunk(ctx: ChunkContext, bytes: Uint8Array): ChunkResult {
  const quality = emptySummary(ctx.columns);
  const rejections: RowRejection[] = [];
  const lines = countLines(bytes);
  const unclosed = unclosedQuoteLine(bytes);
  if (unclosed > 0) {
    const fatal = { line: unclosed, message: 'quote_not_closed' };
    return {
      ndjson: new Uint8Array(0),
      refUnits: new Uint16Array(0),
      refEnds: new Uint32Array(0),
      withMissing: new Uint8Array(0),
      rows: 0,
      lines,
      quality,
      rejections,
      fatal,
    };
  }
  // d3-dsv parses RFC 4180 CSV about 4× faster than csv-parse here (0.5 vs 2.2 µs a row on
  // generated data). It is lenient, so the strictness lives around it: chunks end on record
  // boundaries, an unclosed quote is caught above, and rows are checked for their field count.
  const text = decoder.decode(bytes);
  // Sized from this thread's previous chunk (+10%): a buffer that has to grow is allocated,
  // zeroed and copied twice (the UK schema writes ~4.3 bytes a CSV byte).
  const out = new LineBuffer(Math.max(4096, Math.ceil(bytes.length * outputRatio * 1.1)));
  const refs = new RefWriter(Math.max(64, bytes.length >>> 6));
  let withMissing = new Uint8Array(Math.max(64, bytes.length >>> 6));
  let rows = 0;
  const reject = (row: number, reason: string) => {
    rejections.push({ row, reason });
    quality.rows++;
    quality.rejected++;
    quality.rejectReasons[reason] = (quality.rejectReasons[reason] ?? 0) + 1;
  };
  // Rows are encoded as the parser yields them, so each row's strings die young instead of a
  // whole chunk of them surviving a scavenge.
  csvParseRows(text, (row) => {
    // A blank line is not a row (the parser gives it as one empty field).
    if (row.length === 1 && row[0] === '') return null;
    const r = ++rows;
    if (ctx.trim) for (let i = 0; i < row.length; i++) row[i] = row[i]!.trim();
    if (row.length !== ctx.headerLength) {
      reject(r, `column_count: expected ${ctx.headerLength} fields, found ${row.length}`);
      return null;
    }
    const ref = row[ctx.refIndex]!.trim();
    const problem = refProblem(ref);
    if (problem !== undefined) {
      reject(r, problem);
      return null;
    }
    const before = quality.encodedWithMissing;
    const { clk, blockFragments } = ctx.encoder.encodeInto(row, quality);
    // {"ref":…,"clk":"<base64>","blocks":{…}}\n — the record line of ndjson.ts's recordLine.
    out.text('{"ref":');
    out.jsonString(ref);
    out.text(',"clk":"');
    out.base64(clk);
    out.text('","blocks":{');
    let first = true;
    for (const f of blockFragments) {
      if (f.length === 0) continue;
      if (!first) out.text(',');
      out.text(f);
      first = false;
    }
    out.text('}}\n');
    if (refs.count === withMissing.length) {
      const grown = new Uint8Array(withMissing.length * 2);
      grown.set(withMissing);
      withMissing = grown;
    }
    withMissing[refs.count] = quality.encodedWithMissing - before;
    refs.push(ref);
    return null;
  });
  if (bytes.length >= 4096) outputRatio = out.length / bytes.length;
  return {
    ndjson: out.take(),
    refUnits: refs.units(),
    refEnds: refs.ends(),
    withMissing: withMissing.subarray(0, refs.count),
    rows,
    lines,
    quality,
    rejections,
  };
}
