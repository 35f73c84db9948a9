/**
 * Streams a request body to a temp file in the data folder under the upload limit, so an
 * attribute or event upload never sits in memory; the readers then validate the file. On any
 * failure the temp file is removed.
 */
import { open } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { CohortlinkError } from '../../errors.js';
import type { DataFiles } from '../../store/files.js';

export async function receiveToTemp(
  body: IncomingMessage,
  files: DataFiles,
  limitBytes: number,
): Promise<{ tempPath: string; bytes: number }> {
  const encoding = (body.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity')
    throw new CohortlinkError(
      'CL_UNSUPPORTED_MEDIA_TYPE',
      `Content-Encoding ${encoding} is not accepted here`,
    );
  if (Number(body.headers['content-length'] ?? Number.NaN) > limitBytes) throw tooLarge(limitBytes);
  const tempPath = files.tempPath();
  const file = await open(tempPath, 'wx');
  let ok = false;
  let bytes = 0;
  try {
    // destroyOnReturn false: on an error the socket must stay open for the 4xx answer.
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limitBytes) throw tooLarge(limitBytes);
      await file.write(chunk);
    }
    await file.sync();
    ok = true;
    return { tempPath, bytes };
  } catch (err) {
    if (err instanceof CohortlinkError) throw err;
    throw new CohortlinkError('CL_CANCELLED', 'the client disconnected before the upload ended', [], {
      cause: err,
    });
  } finally {
    await file.close();
    if (!ok) files.remove(tempPath);
  }
}

function tooLarge(limit: number): CohortlinkError {
  return new CohortlinkError('CL_PAYLOAD_TOO_LARGE', `the upload exceeds the limit of ${limit} bytes`);
}
