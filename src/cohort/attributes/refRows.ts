import type { KnownRefRows } from './readAttributes.js';

/**
 * Record refs numbered 0, 1, 2 … in the order first added: the known refs of a dataset for
 * `readAttributes`, built from a million-row keys file. An open-addressing table on typed arrays
 * with each ref's hash kept: measured at about half the time of a `Map<string, number>` both to
 * fill and to look up at that size, and with far less for the garbage collector to walk.
 */
export class RefRows implements KnownRefRows {
  private readonly refs: string[] = [];
  private hashes = new Int32Array(1024);
  /** Row + 1 of the ref in each slot, 0 for an empty slot; kept at most two-thirds full. */
  private slots = new Int32Array(2048);

  get size(): number {
    return this.refs.length;
  }

  /** The ref's row, added as the next row when it is new. */
  add(ref: string): number {
    const h = hashOf(ref);
    const found = this.find(ref, h);
    if (found >= 0) return found;
    const row = this.refs.length;
    if (row === this.hashes.length) {
      const hashes = new Int32Array(row * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.hashes[row] = h;
    this.refs.push(ref);
    this.slots[~found] = row + 1;
    if (3 * (row + 1) > 2 * this.slots.length) this.grow();
    return row;
  }

  get(ref: string): number | undefined {
    const found = this.find(ref, hashOf(ref));
    return found >= 0 ? found : undefined;
  }

  has(ref: string): boolean {
    return this.find(ref, hashOf(ref)) >= 0;
  }

  /** The ref's row, or the one's complement of the empty slot where it would go. */
  private find(ref: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const r = this.slots[s]! - 1;
      if (r < 0) return ~s;
      if (this.hashes[r] === h && this.refs[r] === ref) return r;
    }
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let r = 0; r < this.refs.length; r++) {
      let s = this.hashes[r]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = r + 1;
    }
    this.slots = slots;
  }
}

/** FNV-1a over UTF-16 code units, with the high bits folded down since slots take the low ones. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 16);
}
