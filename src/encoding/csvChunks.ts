import { createReadStream } from 'node:fs';

/**
 * Splits a CSV byte stream into chunks that end on record boundaries, so each chunk can be
 * parsed independently by a worker. A newline ends a record only outside quotes; since an
 * escaped quote ("") toggles the state twice, counting quote bytes is enough. Chunks are
 * cut at the last record boundary in each read buffer, so no record is ever split.
 */

const QUOTE = 0x22;
const NL = 0x0a;

export interface CsvChunk {
  readonly index: number;
  readonly bytes: Uint8Array;
}

export interface ChunkSource {
  readonly header: Uint8Array;
  readonly chunks: AsyncGenerator<CsvChunk>;
}

/** Returns the offset just past the last record-ending newline, and the quote state at `end`. */
function lastBoundary(buf: Uint8Array, start: number, inQuote: boolean): { cut: number; inQuote: boolean } {
  let cut = -1;
  let q = inQuote;
  if (!q && buf.indexOf(QUOTE, start) < 0) {
    // No quotes at all: the last newline is the boundary (the common, fast case).
    const nl = buf.lastIndexOf(NL);
    return { cut: nl >= start ? nl + 1 : -1, inQuote: false };
  }
  // Jump from quote to quote (native indexOf), and between them take the last newline of
  // each stretch outside quotes: work per quote, not per byte.
  let i = start;
  while (i < buf.length) {
    const nextQuote = buf.indexOf(QUOTE, i);
    const end = nextQuote < 0 ? buf.length : nextQuote;
    if (!q && end > i) {
      const nl = buf.lastIndexOf(NL, end - 1);
      if (nl >= i) cut = nl + 1;
    }
    if (nextQuote < 0) break;
    q = !q;
    i = nextQuote + 1;
  }
  return { cut, inQuote: q };
}

export async function* readChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  let pending: Uint8Array = new Uint8Array(0);
  let scanned = 0;
  let inQuote = false;
  for await (const data of stream as AsyncIterable<Buffer>) {
    const buf = pending.length === 0 ? new Uint8Array(data) : concat(pending, data);
    const r = lastBoundary(buf, scanned, inQuote);
    if (r.cut < 0) {
      pending = buf;
      scanned = buf.length;
      inQuote = r.inQuote;
      continue;
    }
    yield buf.slice(0, r.cut);
    pending = buf.slice(r.cut);
    // The rest after the cut starts outside quotes by construction.
    scanned = 0;
    inQuote = false;
  }
  if (pending.length > 0) yield pending;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Separates the header record from the data. The header is the first record (it may itself
 * contain quoted newlines); a UTF-8 byte-order mark is dropped.
 */
export async function splitCsv(path: string, chunkBytes?: number): Promise<ChunkSource> {
  const it = readChunks(path, chunkBytes);
  let first = await it.next();
  let header: Uint8Array = new Uint8Array(0);
  let carry: Uint8Array = new Uint8Array(0);
  while (!first.done) {
    const buf = concat(carry, first.value);
    let q = false;
    let end = -1;
    for (let i = 0; i < buf.length; i++) {
      if (buf[i] === QUOTE) q = !q;
      else if (buf[i] === NL && !q) {
        end = i + 1;
        break;
      }
    }
    if (end >= 0) {
      header = buf.slice(0, end);
      carry = buf.slice(end);
      break;
    }
    carry = buf;
    first = await it.next();
  }
  if (first.done) header = carry.slice();
  const start = header[0] === 0xef && header[1] === 0xbb && header[2] === 0xbf ? 3 : 0;
  const rest = first.done ? new Uint8Array(0) : carry;
  async function* chunks(): AsyncGenerator<CsvChunk> {
    let index = 0;
    if (rest.length > 0) yield { index: index++, bytes: rest };
    for (let r = await it.next(); !r.done; r = await it.next()) yield { index: index++, bytes: r.value };
  }
  return { header: header.subarray(start), chunks: chunks() };
}
