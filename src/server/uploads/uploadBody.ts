/**
 * Reads an upload's body under limits that bound what one request can cost, not just its size
 * (issue 14; the numbers and why in docs/service-design.md, "Upload limits"):
 *
 * - `limitBytes`: bytes after decompression (and a larger Content-Length is refused unread);
 * - a gzip body may expand to at most max(`inflateRatio` × compressed bytes, `inflateFloorBytes`);
 * - no line longer than `maxLineBytes`, refused as the line passes it (`LineGuard` scans the
 *   raw bytes before they are decoded, buffered or written, so a long line is never held whole);
 * - at most `maxBlankLines` blank lines;
 * - a time budget (`UploadBudget`), for a client that stalls as much as for one that floods.
 *
 * Every refusal is a CohortlinkError naming the line, never its content; `UploadMeter` counts
 * what the upload cost so far, for the log line of a refusal.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CohortlinkError } from '../../errors.js';
import type { DataFiles } from '../../store/files.js';
import type { ServiceConfig } from '../config.js';

export interface UploadLimits {
  /** Most bytes of a body after decompression (what is stored). */
  readonly limitBytes: number;
  readonly maxLineBytes: number;
  readonly maxBlankLines: number;
  readonly inflateRatio: number;
  readonly inflateFloorBytes: number;
}

export function uploadLimits(c: ServiceConfig): UploadLimits {
  return {
    limitBytes: c.uploadLimitBytes,
    maxLineBytes: c.maxLineBytes,
    maxBlankLines: c.maxBlankLines,
    inflateRatio: c.inflateRatio,
    inflateFloorBytes: c.inflateFloorBytes,
  };
}

/** What an upload has cost so far: counts only, safe to log. */
export class UploadMeter {
  /** Body bytes read off the connection (compressed, for gzip). */
  wireBytes = 0;
  /** Body bytes after decompression. */
  bodyBytes = 0;
  /** Bytes written to the temp file. */
  writtenBytes = 0;
  /** The line being read when the upload stopped (1-based). */
  line = 1;
}

/**
 * Checks line lengths and blank lines on raw bytes, chunk by chunk, before anything else sees
 * them. A blank line is an empty one or a lone CR (CRLF files); `line` is the line being read.
 */
export class LineGuard {
  private length = 0;
  private crOnly = false;
  private blanks = 0;

  constructor(
    private readonly limits: Pick<UploadLimits, 'maxLineBytes' | 'maxBlankLines'>,
    private readonly label: string,
    private readonly meter: UploadMeter,
  ) {}

  scan(chunk: Buffer): void {
    const max = this.limits.maxLineBytes;
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      const len = end - pos;
      if (len > 0) {
        this.crOnly = this.length === 0 && len === 1 && chunk[pos] === 13;
        this.length += len;
        if (this.length > max) throw this.refuse('CL_LINE_TOO_LONG', `is longer than ${max} bytes`);
      }
      if (nl === -1) return;
      if ((this.length === 0 || this.crOnly) && ++this.blanks > this.limits.maxBlankLines)
        throw this.refuse(
          'CL_BLANK_LINES',
          `is a blank line over the limit of ${this.limits.maxBlankLines} per upload`,
        );
      this.meter.line++;
      this.length = 0;
      this.crOnly = false;
      pos = nl + 1;
    }
  }

  private refuse(code: 'CL_LINE_TOO_LONG' | 'CL_BLANK_LINES', what: string): CohortlinkError {
    const at = `line ${this.meter.line}`;
    return new CohortlinkError(code, `${this.label}: ${at} ${what}`, [{ path: at, message: what }]);
  }
}

/**
 * The time budget of one request: `signal` aborts when it is spent. Call `end()` when the work
 * is done (the timer must not keep the process alive or fire later).
 */
export class UploadBudget {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly ms: number) {
    this.timer = setTimeout(() => this.controller.abort(new BudgetSpent()), ms);
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  end(): void {
    clearTimeout(this.timer);
  }

  /** The 408 for work stopped at `line` (a line of the body, or of the validation pass). */
  error(label: string, line: number): CohortlinkError {
    const budget = this.ms < 10_000 ? `${this.ms} ms` : `${Math.round(this.ms / 1000)} s`;
    const what = `not processed within the request's time budget of ${budget}`;
    return new CohortlinkError('CL_TIMEOUT', `${label}: stopped at line ${line}: ${what}`, [
      { path: `line ${line}`, message: what },
    ]);
  }
}

/** The abort reason of a spent budget, turned into the 408 where the line is known. */
export class BudgetSpent extends Error {
  constructor() {
    super('the time budget is spent');
  }
}

/** An upload being received into the data folder: what both receivers (encodings; attributes and events) take. */
export interface UploadSource {
  readonly body: IncomingMessage;
  readonly files: DataFiles;
  readonly limits: UploadLimits;
  readonly budget: UploadBudget;
  /** Filled in as the upload is read (what it cost, for the log when it is refused). */
  readonly meter?: UploadMeter;
  /** Starts every error message, e.g. `upload "hospital"`. */
  readonly label: string;
}

export interface BodyOptions {
  readonly body: IncomingMessage;
  readonly limits: UploadLimits;
  readonly meter: UploadMeter;
  readonly budget: UploadBudget;
  /** Starts every message, e.g. `upload "hospital"`. */
  readonly label: string;
  /** Accept `Content-Encoding: gzip` (otherwise identity only). */
  readonly gzip: boolean;
}

/**
 * The body's bytes (decompressed), each chunk already checked against every limit; the caller
 * writes and validates them. Ending the loop early (a bad line) stops reading but leaves the
 * request open, so the 4xx can still be sent (with `Connection: close`).
 */
export async function* uploadChunks(o: BodyOptions): AsyncGenerator<Buffer> {
  const encoding = (o.body.headers['content-encoding'] ?? 'identity').toLowerCase();
  const gzip = encoding === 'gzip';
  if (encoding !== 'identity' && !(gzip && o.gzip))
    throw new CohortlinkError(
      'CL_UNSUPPORTED_MEDIA_TYPE',
      o.gzip
        ? `Content-Encoding ${encoding} is not accepted (use gzip)`
        : `Content-Encoding ${encoding} is not accepted here`,
    );
  const { limits, meter } = o;
  if (Number(o.body.headers['content-length'] ?? Number.NaN) > limits.limitBytes)
    throw tooLarge(limits.limitBytes);
  if (o.budget.signal.aborted) throw o.budget.error(o.label, meter.line);

  const guard = new LineGuard(limits, o.label, meter);
  const { source, detach } = detached(o.body, meter, gzip);
  const onAbort = () => source.destroy(new BudgetSpent());
  o.budget.signal.addEventListener('abort', onAbort, { once: true });
  try {
    // destroyOnReturn false: the request must stay open for the answer; `detached` owns `source`.
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      meter.bodyBytes += chunk.length;
      if (meter.bodyBytes > limits.limitBytes) throw tooLarge(limits.limitBytes);
      if (gzip && meter.bodyBytes > Math.max(limits.inflateRatio * meter.wireBytes, limits.inflateFloorBytes))
        throw new CohortlinkError(
          'CL_DECOMPRESSION_RATIO',
          `${o.label}: at line ${meter.line} the gzip body has expanded more than ${limits.inflateRatio} times ` +
            `(beyond ${limits.inflateFloorBytes} bytes); send it uncompressed if it is really this repetitive`,
          [{ path: `line ${meter.line}`, message: 'the body expands beyond the accepted ratio' }],
        );
      guard.scan(chunk);
      yield chunk;
    }
  } catch (err) {
    throw classify(err, o);
  } finally {
    o.budget.signal.removeEventListener('abort', onAbort);
    // Stop reading (and decompressing) what nobody will look at; the request itself stays open.
    detach();
  }
}

/**
 * The body through a stream of our own (gunzip, or a pass-through), which can be destroyed —
 * by the budget, or when reading stops — without destroying the request and its socket.
 * Errors of the request (a disconnect) are forwarded, which `pipe` would not do, so the reader
 * never waits forever.
 */
function detached(
  body: IncomingMessage,
  meter: UploadMeter,
  gzip: boolean,
): { source: Readable; detach: () => void } {
  const out = gzip ? createGunzip() : new PassThrough();
  const count = (c: Buffer) => {
    meter.wireBytes += c.length;
  };
  const failed = (err: Error) => out.destroy(err);
  const closed = () => {
    if (!body.complete) out.destroy(new Error('the client closed the connection before the upload ended'));
  };
  body.on('data', count);
  body.on('error', failed);
  body.on('close', closed);
  // Once the reading loop has stopped (a bad line, a limit) a later "incorrect header check"
  // must not become an unhandled 'error' event.
  out.on('error', () => {});
  body.pipe(out);
  const detach = () => {
    body.unpipe(out as unknown as NodeJS.WritableStream);
    body.off('data', count);
    body.off('error', failed);
    body.off('close', closed);
    // Nothing reads the rest of the body: the answer goes out with `Connection: close`.
    body.pause();
    out.destroy();
  };
  return { source: out, detach };
}

function tooLarge(limit: number): CohortlinkError {
  return new CohortlinkError('CL_PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${limit} bytes`);
}

function classify(err: unknown, o: BodyOptions): unknown {
  if (err instanceof CohortlinkError) return err;
  if (err instanceof BudgetSpent || o.budget.signal.aborted) return o.budget.error(o.label, o.meter.line);
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new CohortlinkError('CL_USAGE', `${o.label}: the body is not valid gzip (${code})`, [], {
      cause: err,
    });
  if (
    code === 'ECONNRESET' ||
    code === 'ERR_STREAM_PREMATURE_CLOSE' ||
    !(err instanceof Error) ||
    /closed|aborted/.test(err.message)
  )
    return new CohortlinkError(
      'CL_CANCELLED',
      `${o.label}: the client disconnected before the upload ended`,
      [],
      { cause: err },
    );
  return err;
}
