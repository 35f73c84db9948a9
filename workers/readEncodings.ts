import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from '../src/computePriority.js';
import { CohortlinkError } from '../src/errors.js';
import { readEncodings } from '../src/matching/input/readEncodings.js';
import type { ReadWorkerMessage } from '../src/matching/input/readInWorker.js';

lowerThisThread();

/**
 * Reads one encodings file on its own thread (a plain worker, one per file: reading two files
 * at once halves the read stage on two cores). Everything bulky goes back as transferred
 * buffers; see readInWorker.ts for the other side.
 */
const { path, name } = workerData as { path: string; name: string };
const post = (m: ReadWorkerMessage, transfer: ArrayBuffer[] = []): void =>
  parentPort!.postMessage(m, transfer);

try {
  let last = 0;
  const d = await readEncodings(path, {
    name,
    onProgress: (bytes) => {
      if (bytes - last >= 8 << 20) {
        last = bytes;
        post({ type: 'progress', bytes });
      }
    },
  });
  const store = d.store.bytes.buffer as ArrayBuffer;
  const keys = [...d.blockKeys].map(([key, col]) => ({
    name: key,
    ids: col.ids,
    hi: col.keys.hi.slice(0, col.keys.size),
    lo: col.keys.lo.slice(0, col.keys.size),
    size: col.keys.size,
  }));
  post(
    {
      type: 'done',
      header: d.header,
      summary: d.summary,
      refs: d.refs as string[],
      count: d.store.count,
      store,
      popcountsByteOffset: d.store.popcountsByteOffset,
      keys,
    },
    [store, ...keys.flatMap((k) => [k.ids.buffer as ArrayBuffer, k.hi.buffer, k.lo.buffer])],
  );
} catch (err) {
  const e =
    err instanceof CohortlinkError
      ? err
      : new CohortlinkError('CL_INTERNAL', `reading ${path} failed unexpectedly`, [], { cause: err });
  post({ type: 'error', code: e.code, message: e.message, issues: [...e.issues] });
}
