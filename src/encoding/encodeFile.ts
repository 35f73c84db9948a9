import { once } from 'node:events';
import { createWriteStream, renameSync, statSync, unlinkSync, type WriteStream } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Piscina } from 'piscina';
import { CohortlinkError } from '../errors.js';
import { COHORTLINK_VERSION } from '../version.js';
import { workerFile } from '../workerPath.js';
import { splitCsv } from './csvChunks.js';
import { type ChunkContext, type ChunkResult, encodeChunk } from './encodeChunk.js';
import { ENCODINGS_FORMAT, type HeaderLine, type SummaryLine } from './ndjson.js';
import { emptySummary, finalisePopcount, mergeSummary, type RowRejection } from './quality.js';
import { RecordEncoder } from './recordEncoder.js';
import { RefSet } from './refSet.js';
import { compileSchema } from './schema/load.js';

/**
 * `cohortlink encode` as a function: streams a CSV through a worker pool and writes the
 * encodings NDJSON. Chunks are encoded out of order but written in order; the output goes to a
 * temporary file renamed into place only when every row is accounted for, so a failed run
 * leaves nothing half-written.
 */

export interface EncodeOptions {
  readonly schema: unknown;
  readonly secret: Uint8Array;
  readonly input: string;
  readonly output: string;
  readonly refColumn?: string;
  /** 0 encodes on the calling thread. */
  readonly workers: number;
  /** Rows that may be rejected before the run fails (default 0). */
  readonly maxRejects?: number;
  readonly trim?: boolean;
  readonly chunkBytes?: number;
  readonly onProgress?: (p: { bytesDone: number; bytesTotal: number; rows: number }) => void;
}

export interface EncodeResult {
  readonly header: HeaderLine;
  readonly summary: SummaryLine;
  readonly warnings: readonly string[];
}

const MAX_LISTED_REJECTIONS = 1000;
/** Measured best of 256 KiB, 1 MiB and 4 MiB on the 1,000,000-row spine. */
const DEFAULT_CHUNK_BYTES = 1 << 20; // 1 MiB

function parseHeader(bytes: Uint8Array, input: string): string[] {
  const rows = parse(Buffer.from(bytes), { relax_column_count: true }) as string[][];
  const header = rows[0]?.map((h) => h.trim());
  if (header === undefined || header.length === 0 || header.every((h) => h.length === 0)) {
    throw new CohortlinkError('CL_CSV_HEADER', `'${input}' has no header row`);
  }
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) {
    throw new CohortlinkError('CL_CSV_HEADER', `the CSV header names column '${dup}' twice`, [
      { path: `header.${dup}`, message: 'duplicate column name' },
    ]);
  }
  return header;
}

async function write(stream: WriteStream, text: string | Uint8Array): Promise<void> {
  // events.once rejects on 'error' and removes its listeners either way.
  if (!stream.write(text)) await once(stream, 'drain');
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

export async function encodeFile(opts: EncodeOptions): Promise<EncodeResult> {
  const plan = compileSchema(opts.schema, opts.secret);
  let bytesTotal: number;
  try {
    bytesTotal = statSync(opts.input).size;
  } catch (e) {
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot read input '${opts.input}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const source = await splitCsv(opts.input, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const header = parseHeader(source.header, opts.input);
  const refColumn = opts.refColumn ?? header[0]!;
  const refIndex = header.indexOf(refColumn);
  if (refIndex < 0) {
    throw new CohortlinkError(
      'CL_CSV_HEADER',
      `record reference column '${refColumn}' is not in the CSV header`,
      [{ path: `header.${refColumn}`, message: 'not found' }],
    );
  }
  if (plan.fields.some((f) => f.column === refColumn)) {
    throw new CohortlinkError(
      'CL_USAGE',
      `the record reference column '${refColumn}' is an identifier the schema encodes; references leave the holder in clear, so choose an opaque column with --ref-column`,
    );
  }
  const encoder = new RecordEncoder(plan, header); // validates the header before any work starts
  const trim = opts.trim ?? false;
  const columns = plan.fields.map((f) => f.column);

  // A file that fits in one chunk is encoded on this thread: starting threads would cost more
  // than the work.
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const pool =
    opts.workers > 0 && bytesTotal > chunkBytes
      ? new Piscina({
          filename: workerFile('encode'),
          // Threads start on demand and stay while there is work: a run with fewer chunks than
          // workers never starts (and then has to tear down) a thread it does not use — under
          // load, terminating a worker that was still starting up aborted the process (SIGABRT,
          // seen once in a few full test runs).
          minThreads: 0,
          maxThreads: opts.workers,
          idleTimeout: 60_000,
          workerData: { schema: opts.schema, secret: opts.secret, header, refIndex, trim },
          // Encoding allocates many short-lived strings per record; a larger young generation
          // lets them die in scavenges instead of being promoted (measured 22 → 18 µs/row).
          resourceLimits: { maxYoungGenerationSizeMb: 192 },
        })
      : undefined;
  const local: ChunkContext = { encoder, columns, headerLength: header.length, refIndex, trim };
  const run = (bytes: Uint8Array): Promise<ChunkResult> =>
    pool
      ? pool.run({ bytes }, { transferList: [bytes.buffer as ArrayBuffer] })
      : Promise.resolve(encodeChunk(local, bytes));

  const partial = `${opts.output}.partial-${process.pid}`;
  let out: WriteStream;
  try {
    out = createWriteStream(partial, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => {
      out.once('open', () => resolve());
      out.once('error', reject);
    });
  } catch (e) {
    await pool?.destroy();
    throw new CohortlinkError(
      'CL_OUTPUT_UNWRITABLE',
      `cannot write '${opts.output}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }

  const quality = emptySummary(columns);
  const rejections: RowRejection[] = [];
  const seenRefs = new RefSet();
  const headerLine: HeaderLine = {
    type: 'header',
    format: ENCODINGS_FORMAT,
    schemaSource: plan.source,
    schemaFingerprint: plan.schemaFingerprint,
    keyFingerprint: plan.keyFingerprint,
    filterBits: plan.filterBits,
    blockKeys: plan.blocking.map((b) => b.name),
    hardening: {
      balance: plan.hardening.balance !== undefined,
      salted: plan.hardening.saltColumn !== undefined,
      bitFlip: plan.hardening.bitFlip?.probability ?? 0,
      xorFolds: plan.xorFolds,
    },
    refColumn,
    createdAt: new Date().toISOString(),
    encoder: `cohortlink ${COHORTLINK_VERSION}`,
  };

  let rowsBefore = 0;
  let linesBefore = 1; // the header line
  let bytesDone = source.header.length;
  const reject = (row: number, reason: string) => {
    if (rejections.length < MAX_LISTED_REJECTIONS) rejections.push({ row, reason });
  };

  const flush = async (r: ChunkResult, chunkBytes: number) => {
    if (r.fatal) {
      throw new CohortlinkError(
        'CL_CSV_MALFORMED',
        `line ${linesBefore + r.fatal.line}: ${r.fatal.message.replace(/_/g, ' ')}`,
        [
          {
            path: `line ${linesBefore + r.fatal.line}`,
            message: 'the CSV structure is broken here; nothing was written',
          },
        ],
      );
    }
    mergeSummary(quality, r.quality);
    for (const rj of r.rejections) reject(rowsBefore + rj.row, rj.reason);
    let bytes = r.ndjson;
    let dupAt: number[] | undefined;
    const ends = r.refEnds;
    for (let i = 0, from = 0; i < ends.length; from = ends[i++]!) {
      if (!seenRefs.add(r.refUnits, from, ends[i]!)) {
        dupAt ??= [];
        dupAt.push(i);
      }
    }
    if (dupAt !== undefined) {
      const drop = new Set(dupAt);
      const lines = Buffer.from(bytes).toString('utf8').split('\n');
      bytes = Buffer.from(lines.filter((_, i) => !drop.has(i)).join('\n'), 'utf8');
      for (const i of dupAt) {
        quality.encoded--;
        quality.encodedWithMissing -= r.withMissing[i]!;
        quality.rejected++;
        quality.rejectReasons.duplicate_ref = (quality.rejectReasons.duplicate_ref ?? 0) + 1;
      }
      // Row numbers of duplicates: recover them from the chunk's row order (rejected rows are interleaved).
      const rejectedRows = new Set(r.rejections.map((x) => x.row));
      let encodedIdx = 0;
      for (let row = 1; row <= r.rows; row++) {
        if (rejectedRows.has(row)) continue;
        if (drop.has(encodedIdx)) reject(rowsBefore + row, 'duplicate_ref');
        encodedIdx++;
      }
    }
    await write(out, bytes);
    rowsBefore += r.rows;
    linesBefore += r.lines;
    bytesDone += chunkBytes;
    opts.onProgress?.({ bytesDone, bytesTotal, rows: rowsBefore });
  };

  try {
    await write(out, `${JSON.stringify(headerLine)}\n`);
    const inflight = new Map<number, { promise: Promise<ChunkResult>; size: number }>();
    let next = 0;
    const window = Math.max(2, opts.workers * 4);
    for await (const chunk of source.chunks) {
      const size = chunk.bytes.length;
      const promise = run(chunk.bytes);
      promise.catch(() => undefined); // a failure is reported when its turn to flush comes
      inflight.set(chunk.index, { promise, size });
      while (inflight.size >= window) {
        const head = inflight.get(next)!;
        inflight.delete(next++);
        await flush(await head.promise, head.size);
      }
    }
    while (inflight.size > 0) {
      const head = inflight.get(next)!;
      inflight.delete(next++);
      await flush(await head.promise, head.size);
    }
    rejections.sort((a, b) => a.row - b.row);
    const maxRejects = opts.maxRejects ?? 0;
    if (quality.rejected > maxRejects) {
      throw new CohortlinkError(
        'CL_ROWS_REJECTED',
        `${quality.rejected} of ${quality.rows} rows were rejected (allowed: ${maxRejects}); nothing was written`,
        rejections.slice(0, 20).map((r) => ({ path: `row ${r.row}`, message: r.reason })),
      );
    }
    const summary: SummaryLine = {
      type: 'summary',
      rows: quality.rows,
      encoded: quality.encoded,
      encodedWithMissing: quality.encodedWithMissing,
      rejected: quality.rejected,
      rejectReasons: quality.rejectReasons,
      rejections,
      fields: quality.fields,
      popcount: finalisePopcount(quality),
    };
    await write(out, `${JSON.stringify(summary)}\n`);
    await closeStream(out);
    renameSync(partial, opts.output);
    return { header: headerLine, summary, warnings: plan.warnings };
  } catch (e) {
    out.destroy();
    try {
      unlinkSync(partial);
    } catch {
      // already gone
    }
    throw e;
  } finally {
    await pool?.destroy();
  }
}
