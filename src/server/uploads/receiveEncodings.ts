/**
 * Receives one encodings upload: the request body (NDJSON, optionally gzip) is streamed to a
 * temp file in the data folder while every line is validated, so a million encodings never sit
 * in memory and a bad line stops the upload at once. The body is read under the limits of
 * `uploadChunks` (size, decompression ratio, line length, blank lines, time budget). On any
 * failure — a bad line, a limit, a client that disconnects — the temp file is removed and
 * nothing is stored; the caller commits the temp file (rename) together with the dataset row.
 */
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { HeaderLine } from '../../encoding/ndjson.js';
import { CohortlinkError } from '../../errors.js';
import { EncodingsValidator, type ValidatedEncodings } from '../../matching/input/encodingsLines.js';
import { FILE_MODE } from '../../store/files.js';
import { UploadMeter, type UploadSource, uploadChunks } from './uploadBody.js';

export interface ReceiveOptions extends UploadSource {
  /** Refuses an incompatible header before the records are read. */
  readonly headerCheck?: (h: HeaderLine) => void;
}

export interface ReceivedEncodings extends ValidatedEncodings {
  readonly tempPath: string;
  readonly bytes: number;
}

export async function receiveEncodings(o: ReceiveOptions): Promise<ReceivedEncodings> {
  const meter = o.meter ?? new UploadMeter();
  const chunks = uploadChunks({
    body: o.body,
    limits: o.limits,
    meter,
    budget: o.budget,
    label: o.label,
    gzip: true,
  });
  const validator = new EncodingsValidator(o.label, o.headerCheck);
  const tempPath = o.files.tempPath();
  const file = await open(tempPath, 'wx', FILE_MODE);
  let ok = false;
  try {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    for await (const chunk of chunks) {
      // The write proceeds while this chunk's lines are checked; awaiting it before the next
      // chunk is the backpressure.
      const written = file.write(chunk);
      meter.writtenBytes += chunk.length;
      const text = carry + decoder.write(chunk);
      let start = 0;
      // The carried part holds no newline: search only what is new. (The guard has already
      // refused any line longer than maxLineBytes, so the carry stays short.)
      let nl = text.indexOf('\n', carry.length);
      while (nl !== -1) {
        validator.line(text, start, nl);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      carry = start === 0 ? text : text.slice(start);
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
    return { ...result, tempPath, bytes: meter.bodyBytes };
  } finally {
    await file.close();
    if (!ok) o.files.remove(tempPath);
  }
}
