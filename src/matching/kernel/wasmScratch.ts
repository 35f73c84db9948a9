import type { WasmArena } from './wasmArena.js';

/** A region of the arena that is reallocated (doubling) when a call needs more. */
export class Scratch {
  ptr = 0;
  bytes = 0;
  constructor(private readonly arena: WasmArena) {}
  ensure(bytes: number): number {
    if (bytes > this.bytes) {
      this.bytes = Math.max(bytes, this.bytes * 2);
      this.ptr = this.arena.allocate(this.bytes).byteOffset;
    }
    return this.ptr;
  }
}
