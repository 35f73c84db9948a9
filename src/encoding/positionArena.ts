/**
 * Storage for the cached bit positions of field values. A Uint16Array per cached value cost
 * more than computing its positions did: arrays over 64 bytes get an off-heap backing store
 * (malloc, plus tracking that every GC has to sweep), and a field such as the postcode caches
 * hundreds of thousands of values in a run. Positions are instead appended to a shared slab;
 * a full slab is replaced by a fresh one and stays alive only while cached entries still point
 * into it (caches are cleared wholesale, so old slabs die together).
 */
export interface PositionSpan {
  slab: Uint16Array;
  start: number;
  length: number;
}

const SLAB_UNITS = 1 << 16; // 128 KiB: about a thousand values of 50–90 positions

export class PositionArena {
  private slab = new Uint16Array(SLAB_UNITS);
  private used = 0;

  /** Copies `list` into the arena and points `span` at the copy. */
  store(list: readonly number[], span: PositionSpan): void {
    const n = list.length;
    if (this.used + n > this.slab.length) {
      this.slab = new Uint16Array(Math.max(SLAB_UNITS, n));
      this.used = 0;
    }
    const slab = this.slab;
    const at = this.used;
    for (let i = 0; i < n; i++) slab[at + i] = list[i]!;
    this.used = at + n;
    span.slab = slab;
    span.start = at;
    span.length = n;
  }
}
