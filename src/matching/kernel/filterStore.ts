/**
 * N filters of L bits packed back to back in one buffer, with their popcounts. Filter i
 * occupies bytes [i·L/8, (i+1)·L/8) exactly as given (bit order does not matter for Dice), so
 * it reads as L/32 little-endian Uint32 words or L/64 Uint64 words: the layout the WASM kernel
 * loads with i64.load. The popcounts (Uint16) follow the filters in the same region, so one
 * allocation — plain, shared, or inside the WASM kernel's memory — holds the whole store.
 */
import { CohortlinkError, type Issue } from '../../errors.js';
import { KERNEL_LIMITS } from './limits.js';
import { popcount32 } from './popcount.js';
import { plainAllocator, type StoreAllocator } from './storeAllocator.js';

export interface FilterStoreOptions {
  /** Where the bytes live; default a plain ArrayBuffer. */
  readonly allocator?: StoreAllocator;
}

/** What a worker thread needs to view a store on shared memory without copying it. */
export interface FilterStoreDescriptor {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly byteOffset: number;
  readonly count: number;
  readonly bits: number;
}

const MAX_ISSUES = 20;

export class FilterStore {
  readonly count: number;
  readonly bits: number;
  readonly bytesPerFilter: number;
  /** 32-bit words per filter (L/32). */
  readonly wordsPerFilter: number;
  /** All filters, filter i at words [i·wordsPerFilter, (i+1)·wordsPerFilter). */
  readonly words: Uint32Array;
  /** The same memory as `words`, byte by byte. */
  readonly bytes: Uint8Array;
  /** Bits set in each filter; kept in step by `set` (call `recount` after writing `words` directly). */
  readonly popcounts: Uint16Array;
  readonly allocator: StoreAllocator;
  /** Offset of the first filter in `words.buffer`; the popcounts start at `popcountsByteOffset`. */
  readonly byteOffset: number;
  readonly popcountsByteOffset: number;

  private constructor(
    count: number,
    bits: number,
    buffer: ArrayBuffer | SharedArrayBuffer,
    byteOffset: number,
    allocator: StoreAllocator,
  ) {
    this.count = count;
    this.bits = bits;
    this.bytesPerFilter = bits / 8;
    this.wordsPerFilter = bits / 32;
    this.allocator = allocator;
    this.byteOffset = byteOffset;
    this.popcountsByteOffset = byteOffset + count * this.bytesPerFilter;
    this.words = new Uint32Array(buffer, byteOffset, count * this.wordsPerFilter);
    this.bytes = new Uint8Array(buffer, byteOffset, count * this.bytesPerFilter);
    this.popcounts = new Uint16Array(buffer, this.popcountsByteOffset, count);
  }

  /** An all-zero store of `count` filters of `bits` bits. */
  static allocate(count: number, bits: number, options: FilterStoreOptions = {}): FilterStore {
    const bytes = checkShape(count, bits);
    const allocator = options.allocator ?? plainAllocator;
    const region = allocator.allocate(bytes);
    return new FilterStore(count, bits, region.buffer, region.byteOffset, allocator);
  }

  /**
   * A view of a store another thread allocated (see `describe`); nothing is copied. Pass the
   * WasmArena wrapping the same memory as `allocator` for the WASM kernel to read it in place.
   */
  static attach(d: FilterStoreDescriptor, allocator: StoreAllocator = plainAllocator): FilterStore {
    checkShape(d.count, d.bits);
    return new FilterStore(d.count, d.bits, d.buffer, d.byteOffset, allocator);
  }

  /** One filter per byte array, all of the same length (`bits`/8 when given). */
  static fromBytes(
    filters: readonly Uint8Array[],
    options: FilterStoreOptions & { readonly bits?: number } = {},
  ): FilterStore {
    const bits = options.bits ?? (filters[0]?.length ?? 8) * 8;
    checkShape(filters.length, bits);
    const issues: Issue[] = [];
    filters.forEach((f, i) => {
      if (f.length * 8 !== bits && issues.length < MAX_ISSUES)
        issues.push({ path: `filters[${i}]`, message: `has ${f.length} bytes, expected ${bits / 8}` });
    });
    if (issues.length > 0) throw new CohortlinkError('CL_USAGE', 'filters differ in length', issues);
    const store = FilterStore.allocate(filters.length, bits, options);
    filters.forEach((f, i) => {
      store.set(i, f);
    });
    return store;
  }

  /** One base64 CLK per string (clkhash's serialisation), all of the same decoded length. */
  static fromBase64(
    clks: readonly string[],
    options: FilterStoreOptions & { readonly bits?: number } = {},
  ): FilterStore {
    const issues: Issue[] = [];
    const decoded = clks.map((s, i) => {
      const bytes = decodeBase64(s);
      if (bytes === undefined && issues.length < MAX_ISSUES)
        issues.push({ path: `clks[${i}]`, message: 'is not valid base64' });
      return bytes ?? new Uint8Array(0);
    });
    if (issues.length > 0) throw new CohortlinkError('CL_USAGE', 'CLKs could not be decoded', issues);
    return FilterStore.fromBytes(decoded, options);
  }

  /** Copies one filter's bytes in and recounts it. */
  set(i: number, filter: Uint8Array): void {
    this.checkIndex(i);
    if (filter.length !== this.bytesPerFilter)
      throw new CohortlinkError(
        'CL_USAGE',
        `filter has ${filter.length} bytes, expected ${this.bytesPerFilter}`,
      );
    this.bytes.set(filter, i * this.bytesPerFilter);
    this.popcounts[i] = this.countBits(i);
  }

  /** A view (not a copy) of filter i's bytes. */
  filter(i: number): Uint8Array {
    this.checkIndex(i);
    return this.bytes.subarray(i * this.bytesPerFilter, (i + 1) * this.bytesPerFilter);
  }

  /** Recomputes every popcount, after `words` or `bytes` were written directly. */
  recount(): void {
    for (let i = 0; i < this.count; i++) this.popcounts[i] = this.countBits(i);
  }

  /**
   * A new store whose filter p is this store's filter order[p] (e.g. from popcountOrder). The
   * kernels report positions in the store they are given; `order` maps them back.
   */
  permuted(order: Uint32Array, options: FilterStoreOptions = {}): FilterStore {
    checkPermutation(order, this.count);
    const out = FilterStore.allocate(this.count, this.bits, {
      allocator: options.allocator ?? this.allocator,
    });
    const w = this.wordsPerFilter;
    for (let p = 0; p < order.length; p++) {
      const src = order[p]!;
      out.words.set(this.words.subarray(src * w, (src + 1) * w), p * w);
      out.popcounts[p] = this.popcounts[src]!;
    }
    return out;
  }

  describe(): FilterStoreDescriptor {
    return { buffer: this.words.buffer, byteOffset: this.byteOffset, count: this.count, bits: this.bits };
  }

  private countBits(i: number): number {
    let c = 0;
    const end = (i + 1) * this.wordsPerFilter;
    for (let k = i * this.wordsPerFilter; k < end; k++) c += popcount32(this.words[k]!);
    return c;
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new CohortlinkError('CL_USAGE', `filter index ${i} is outside 0..${this.count - 1}`);
  }
}

/** Refuses absurd shapes before anything is allocated; returns the bytes the store needs. */
export function checkShape(count: number, bits: number): number {
  if (!Number.isInteger(bits) || bits <= 0 || bits % 64 !== 0 || bits > KERNEL_LIMITS.maxFilterBits)
    throw new CohortlinkError(
      'CL_USAGE',
      `filter length ${bits} bits must be a positive multiple of 64 up to ${KERNEL_LIMITS.maxFilterBits}`,
    );
  if (!Number.isInteger(count) || count < 0 || count > KERNEL_LIMITS.maxFilters)
    throw new CohortlinkError(
      'CL_USAGE',
      `filter count ${count} must be an integer in 0..${KERNEL_LIMITS.maxFilters}`,
    );
  const bytes = count * (bits / 8 + 2);
  if (bytes > KERNEL_LIMITS.maxStoreBytes)
    throw new CohortlinkError(
      'CL_USAGE',
      `${count} filters of ${bits} bits need ${bytes} bytes, over the ${KERNEL_LIMITS.maxStoreBytes}-byte store limit`,
    );
  return bytes;
}

function checkPermutation(order: Uint32Array, count: number): void {
  const seen = new Uint8Array(count);
  let ok = order.length === count;
  for (let p = 0; ok && p < order.length; p++) {
    const i = order[p]!;
    ok = i < count && seen[i] === 0;
    if (ok) seen[i] = 1;
  }
  if (!ok) throw new CohortlinkError('CL_USAGE', `order is not a permutation of 0..${count - 1}`);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict: Buffer.from(…, 'base64') silently skips bad characters, which would hide a corrupt CLK. */
function decodeBase64(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !BASE64.test(s)) return undefined;
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
