/**
 * A bump allocator over a shared WebAssembly.Memory: stores allocated here live in the WASM
 * kernel's own linear memory, so it reads them in place, and the memory (a SharedArrayBuffer
 * underneath) can be posted to worker threads, each instantiating the kernel over it.
 *
 * Layout: bytes [0, 64) are the header; word 0 holds the next free offset in 64-byte units.
 * It is advanced with Atomics.add, so threads sharing the memory can allocate at the same time.
 * Nothing is ever freed: an arena is meant to hold one linkage run's stores and be dropped.
 */
import { CohortlinkError } from '../../errors.js';
import type { StoreAllocator, StoreRegion } from './storeAllocator.js';
import { WASM_PAGE, type WasmMemory, wasmApi } from './wasm/wasmApi.js';

const UNIT = 64;
/** 4 GiB, everything 32-bit WASM can address; only the pages actually used are committed. */
const MAX_PAGES = 65_536;

export interface WasmArenaOptions {
  /** An existing shared memory (e.g. received from the thread that created the stores). */
  readonly memory?: WasmMemory;
  readonly initialPages?: number;
  readonly maximumPages?: number;
}

export class WasmArena implements StoreAllocator {
  readonly kind = 'wasm' as const;
  readonly memory: WasmMemory;
  private readonly maximumBytes: number;

  constructor(options: WasmArenaOptions = {}) {
    const maximumPages = Math.min(MAX_PAGES, Math.max(1, Math.floor(options.maximumPages ?? MAX_PAGES)));
    this.memory =
      options.memory ??
      new wasmApi.Memory({
        initial: Math.min(maximumPages, Math.max(1, Math.floor(options.initialPages ?? 16))),
        maximum: maximumPages,
        shared: true,
      });
    this.maximumBytes = maximumPages * WASM_PAGE;
    // A fresh memory reads 0: claim unit 0 for the header. Harmless when another thread did.
    Atomics.compareExchange(this.header(), 0, 0, 1);
  }

  allocate(byteLength: number): StoreRegion {
    const units = Math.max(1, Math.ceil(byteLength / UNIT));
    const start = Atomics.add(this.header(), 0, units);
    const end = (start + units) * UNIT;
    if (end > this.maximumBytes)
      throw new CohortlinkError(
        'CL_USAGE',
        `WASM memory is full: ${byteLength} more bytes would pass its ${this.maximumBytes}-byte limit`,
      );
    // Growing a shared memory in place keeps earlier views valid; only `memory.buffer` is new.
    while (this.memory.buffer.byteLength < end)
      this.memory.grow(Math.ceil((end - this.memory.buffer.byteLength) / WASM_PAGE));
    return { buffer: this.memory.buffer, byteOffset: start * UNIT };
  }

  private header(): Uint32Array {
    return new Uint32Array(this.memory.buffer, 0, 1);
  }
}
