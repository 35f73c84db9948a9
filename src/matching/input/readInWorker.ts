/**
 * readEncodings on a worker thread: the file is parsed there and the decoded store, refs and
 * interned block keys come back as transferred buffers; the filters are then copied once into
 * the caller's allocator (the run's shared WASM memory). Reading a 1M-record file costs ~3.5 s of
 * one core, so a run reads its files in parallel this way.
 */
import { Worker } from 'node:worker_threads';
import type { HeaderLine, SummaryLine } from '../../encoding/ndjson.js';
import { CohortlinkError, type ErrorCode, type Issue } from '../../errors.js';
import { workerFile } from '../../workerPath.js';
import { FilterStore } from '../kernel/filterStore.js';
import { KeyInterner } from './keyInterner.js';
import type { BlockKeyColumn, EncodedDataset, ReadEncodingsOptions } from './readEncodings.js';

export type ReadWorkerMessage =
  | { type: 'progress'; bytes: number }
  | {
      type: 'done';
      header: HeaderLine;
      summary: SummaryLine | undefined;
      refs: string[];
      count: number;
      store: ArrayBuffer;
      popcountsByteOffset: number;
      keys: { name: string; ids: Int32Array; hi: Uint32Array; lo: Uint32Array; size: number }[];
    }
  | { type: 'error'; code: ErrorCode; message: string; issues: Issue[] };

export function readEncodingsInWorker(
  path: string,
  options: ReadEncodingsOptions & { readonly signal?: AbortSignal },
): Promise<EncodedDataset> {
  return new Promise((resolve, reject) => {
    // execArgv: [] so a parent started with flags such as -e does not pass them on.
    const worker = new Worker(workerFile('readEncodings'), {
      workerData: { path, name: options.name },
      execArgv: [],
    });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      f();
    };
    const onAbort = (): void =>
      finish(() => reject(new CohortlinkError('CL_CANCELLED', 'the linkage run was cancelled')));
    options.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: ReadWorkerMessage) => {
      if (m.type === 'progress') options.onProgress?.(m.bytes);
      else if (m.type === 'error') finish(() => reject(new CohortlinkError(m.code, m.message, m.issues)));
      else
        finish(() => {
          try {
            resolve(rebuild(m, options));
          } catch (err) {
            reject(err);
          }
        });
    });
    worker.on('error', (err) =>
      finish(() =>
        reject(new CohortlinkError('CL_INTERNAL', `reading ${path} failed unexpectedly`, [], { cause: err })),
      ),
    );
    worker.on('exit', (code) =>
      finish(() =>
        reject(new CohortlinkError('CL_INTERNAL', `the reader of ${path} stopped (exit ${code})`)),
      ),
    );
  });
}

function rebuild(
  m: Extract<ReadWorkerMessage, { type: 'done' }>,
  options: ReadEncodingsOptions,
): EncodedDataset {
  const store = FilterStore.allocate(m.count, m.header.filterBits, { allocator: options.allocator });
  store.bytes.set(new Uint8Array(m.store, 0, m.count * store.bytesPerFilter));
  store.popcounts.set(new Uint16Array(m.store, m.popcountsByteOffset, m.count));
  const blockKeys = new Map<string, BlockKeyColumn>();
  for (const k of m.keys)
    blockKeys.set(k.name, { ids: k.ids, keys: KeyInterner.fromHashes(k.hi, k.lo, k.size) });
  return { name: options.name, header: m.header, summary: m.summary, refs: m.refs, store, blockKeys };
}
