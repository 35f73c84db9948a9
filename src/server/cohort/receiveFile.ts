/**
 * Streams a request body to a temp file in the data folder under the upload limits
 * (`uploadChunks`: size, line length, blank lines, time budget; no gzip here), so an attribute
 * or event upload never sits in memory; the readers then validate the file. On any failure the
 * temp file is removed.
 */
import { open } from 'node:fs/promises';
import { FILE_MODE } from '../../store/files.js';
import { UploadMeter, type UploadSource, uploadChunks } from '../uploads/uploadBody.js';

/** The label starts every error message, e.g. `attributes of "hospital"`. */
export type ReceiveToTempOptions = UploadSource;

export async function receiveToTemp(o: ReceiveToTempOptions): Promise<{ tempPath: string; bytes: number }> {
  const meter = o.meter ?? new UploadMeter();
  const chunks = uploadChunks({ ...o, meter, gzip: false });
  const tempPath = o.files.tempPath();
  const file = await open(tempPath, 'wx', FILE_MODE);
  let ok = false;
  try {
    for await (const chunk of chunks) {
      await file.write(chunk);
      meter.writtenBytes += chunk.length;
    }
    await file.sync();
    ok = true;
    return { tempPath, bytes: meter.bodyBytes };
  } finally {
    await file.close();
    if (!ok) o.files.remove(tempPath);
  }
}
