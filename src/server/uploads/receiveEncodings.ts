/**
 * Receives one encodings upload: the request body (NDJSON, optionally gzip) is streamed to a
 * temp file in the data folder while every line is validated, so a million encodings never sit
 * in memory and a bad line stops the upload at once. On any failure — a bad line, the size
 * limit, a client that disconnects — the temp file is removed and nothing is stored; the caller
 * commits the temp file (rename) together with the dataset row.
 */
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { HeaderLine } from '../../encoding/ndjson.js';
import { CohortlinkError } from '../../errors.js';
import { EncodingsValidator, type ValidatedEncodings } from '../../matching/input/encodingsLines.js';
import type { DataFiles } from '../../store/files.js';

export interface ReceiveOptions {
  readonly body: IncomingMessage;
  readonly files: DataFiles;
  /** Most bytes stored (after gzip), and most on the wire. */
  readonly limitBytes: number;
  readonly maxLineBytes: number;
  /** Starts every error message, e.g. `upload "hospital"`. */
  readonly label: string;
  /** Refuses an incompatible header before the records are read. */
  readonly headerCheck?: (h: HeaderLine) => void;
}

export interface ReceivedEncodings extends ValidatedEncodings {
  readonly tempPath: string;
  readonly bytes: number;
}

export async function receiveEncodings(o: ReceiveOptions): Promise<ReceivedEncodings> {
  const encoding = (o.body.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip')
    throw new CohortlinkError(
      'CL_UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding} is not accepted (use gzip)`,
    );
  const declared = Number(o.body.headers['content-length'] ?? Number.NaN);
  if (declared > o.limitBytes) throw tooLarge(o.limitBytes);

  const source = encoding === 'gzip' ? gunzipped(o.body) : o.body;
  const validator = new EncodingsValidator(o.label, o.headerCheck);
  const tempPath = o.files.tempPath();
  const file = await open(tempPath, 'wx');
  let ok = false;
  try {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let bytes = 0;
    // destroyOnReturn false: on a validation error the request must stay open so the client
    // can read the 400; ending the loop would otherwise destroy the socket.
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > o.limitBytes) throw tooLarge(o.limitBytes);
      // The write proceeds while this chunk's lines are checked; awaiting it before the next
      // chunk is the backpressure.
      const written = file.write(chunk);
      const text = carry + decoder.write(chunk);
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        validator.line(text, start, nl);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      carry = start === 0 ? text : text.slice(start);
      if (carry.length > o.maxLineBytes)
        throw new CohortlinkError(
          'CL_NDJSON_MALFORMED',
          `${o.label}: a line is longer than ${o.maxLineBytes} bytes`,
        );
      await written;
    }
    carry += decoder.end();
    if (carry.length > 0) validator.line(carry, 0, carry.length);
    const result = validator.finish();
    if (result.summary === undefined)
      throw new CohortlinkError(
        'CL_NDJSON_MALFORMED',
        `${o.label} has no summary line: the encoder always writes one last, so the upload may be truncated`,
      );
    await file.sync();
    ok = true;
    return { ...result, tempPath, bytes };
  } catch (err) {
    throw classify(err, o.label);
  } finally {
    // Stop decompressing what nobody reads; the request itself stays open for the reply.
    if (source !== o.body) {
      o.body.unpipe(source as unknown as NodeJS.WritableStream);
      source.destroy();
    }
    await file.close();
    if (!ok) o.files.remove(tempPath);
  }
}

/**
 * The body through gunzip. Errors of the request (a disconnect) are forwarded to the gunzip
 * stream, which `pipe` would not do, so the reader never waits forever.
 */
function gunzipped(body: IncomingMessage): Readable {
  const gunzip = createGunzip();
  body.on('error', (err) => gunzip.destroy(err));
  body.on('close', () => {
    if (!body.complete) gunzip.destroy(new Error('the client closed the connection before the upload ended'));
  });
  // The reading loop listens for errors only while it runs; once it has stopped (a bad line,
  // too large) the body may still be flowing in, and a later "incorrect header check" must not
  // become an unhandled 'error' event that takes the process down.
  gunzip.on('error', () => {});
  body.pipe(gunzip);
  return gunzip;
}

function tooLarge(limit: number): CohortlinkError {
  return new CohortlinkError('CL_PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${limit} bytes`);
}

function classify(err: unknown, label: string): unknown {
  if (err instanceof CohortlinkError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_'))
    return new CohortlinkError('CL_USAGE', `${label}: the body is not valid gzip (${code})`, [], {
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
      `${label}: the client disconnected before the upload ended`,
      [],
      {
        cause: err,
      },
    );
  return err;
}
