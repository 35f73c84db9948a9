/**
 * Where a FilterStore's bytes live. A plain ArrayBuffer is private to one thread; a
 * SharedArrayBuffer can be handed to worker threads without a copy; a WASM arena (see
 * wasmArena.ts) is the linear memory of the WASM kernel itself, so the kernel reads the
 * filters in place.
 */
export interface StoreRegion {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Offset of the region in `buffer`, a multiple of the requested alignment. */
  readonly byteOffset: number;
}

export interface StoreAllocator {
  readonly kind: 'plain' | 'shared' | 'wasm';
  /** A zero-filled region of at least `byteLength` bytes, aligned to 64 bytes (a cache line). */
  allocate(byteLength: number): StoreRegion;
}

export const plainAllocator: StoreAllocator = {
  kind: 'plain',
  allocate: (byteLength) => ({ buffer: new ArrayBuffer(byteLength), byteOffset: 0 }),
};

export const sharedAllocator: StoreAllocator = {
  kind: 'shared',
  allocate: (byteLength) => ({ buffer: new SharedArrayBuffer(byteLength), byteOffset: 0 }),
};
