/**
 * Reads an encodings NDJSON file (the encoder's output, format cohortlink-encodings/1) into
 * what the engine links on: a FilterStore (in the caller's allocator, so the WASM kernel and
 * worker threads read it in place), the record references, and each block key interned to a
 * dense per-dataset id. The file is streamed; nothing but the decoded form is kept.
 *
 * The line rules live in encodingsLines.ts, shared with the service's upload check.
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { HeaderLine, SummaryLine } from '../../encoding/ndjson.js';
import { CohortlinkError } from '../../errors.js';
import { FilterStore } from '../kernel/filterStore.js';
import type { StoreAllocator } from '../kernel/storeAllocator.js';
import { EncodingsLineParser } from './encodingsLines.js';
import { GrowableBytes, GrowableInt32 } from './growable.js';
import { KeyInterner, keyHashHi, keyHashLo } from './keyInterner.js';

export interface BlockKeyColumn {
  /** Per record: the id of its key, or -1 when the record has no key. */
  readonly ids: Int32Array;
  /** The distinct keys by id (first appearance first), as 64-bit hashes (see keyInterner.ts). */
  readonly keys: KeyInterner;
}

export interface EncodedDataset {
  /** Name used for linkage keys and reports (the file name without `.ndjson` unless given). */
  readonly name: string;
  readonly header: HeaderLine;
  readonly summary: SummaryLine | undefined;
  readonly refs: readonly string[];
  readonly store: FilterStore;
  readonly blockKeys: ReadonlyMap<string, BlockKeyColumn>;
}

export interface ReadEncodingsOptions {
  readonly name: string;
  readonly allocator?: StoreAllocator;
  /** Called now and then with bytes read so far and the file size. */
  readonly onProgress?: (bytesRead: number) => void;
}

export async function readEncodings(path: string, options: ReadEncodingsOptions): Promise<EncodedDataset> {
  const reader = new EncodingsReader(path);
  let stream: AsyncIterable<Buffer>;
  try {
    stream = createReadStream(path, { highWaterMark: 1 << 20 });
  } catch (err) {
    throw unreadable(path, err);
  }
  let carry = '';
  let bytesRead = 0;
  // A multi-byte character can straddle two chunks; the decoder holds its first bytes back
  // instead of turning each half into U+FFFD (which would silently change a ref).
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream) {
      bytesRead += chunk.length;
      const text = carry + decoder.write(chunk);
      let start = 0;
      let nl = text.indexOf('\n', start);
      while (nl !== -1) {
        reader.line(text, start, nl);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      carry = text.slice(start);
      options.onProgress?.(bytesRead);
    }
  } catch (err) {
    if (err instanceof CohortlinkError) throw err;
    throw unreadable(path, err);
  }
  carry += decoder.end();
  if (carry.length > 0) reader.line(carry, 0, carry.length);
  return reader.finish(options);
}

function unreadable(path: string, err: unknown): CohortlinkError {
  const code = (err as NodeJS.ErrnoException)?.code;
  return new CohortlinkError(
    'CL_FILE_UNREADABLE',
    `cannot read encodings ${path}${code ? ` (${code})` : ''}`,
    [],
    {
      cause: err,
    },
  );
}

class EncodingsReader extends EncodingsLineParser {
  private readonly refs: string[] = [];
  private filters = new GrowableBytes(1 << 20);
  private keyIds: GrowableInt32[] = [];
  private keyMaps: KeyInterner[] = [];

  constructor(path: string) {
    super(path);
  }

  protected override onHeader(): void {
    this.keyIds = this.keyNames.map(() => new GrowableInt32(1 << 16));
    this.keyMaps = this.keyNames.map(() => new KeyInterner(1 << 16));
  }

  protected onRecord(ref: string, keys: Int32Array): void {
    this.filters.append(this.scratch, this.bytesPerFilter);
    this.refs.push(ref);
    for (let k = 0; k < keys.length; k++) this.keyIds[k]!.push(keys[k]!);
  }

  protected internKey(k: number, s: string, start: number, end: number): number {
    return this.keyMaps[k]!.intern(keyHashHi(s, start, end), keyHashLo(s, start, end));
  }

  finish(options: ReadEncodingsOptions): EncodedDataset {
    const header = this.requireHeader();
    const count = this.refs.length;
    const store = FilterStore.allocate(count, header.filterBits, { allocator: options.allocator });
    store.bytes.set(this.filters.view());
    this.filters = new GrowableBytes(0);
    store.recount();
    const blockKeys = new Map<string, BlockKeyColumn>();
    this.keyNames.forEach((name, k) => {
      blockKeys.set(name, { ids: this.keyIds[k]!.toArray(), keys: this.keyMaps[k]! });
    });
    this.checkSummaryCount(count);
    return {
      name: options.name,
      header,
      summary: this.summary,
      refs: this.refs,
      store,
      blockKeys,
    };
  }
}
