/**
 * The set of record references seen so far in a run, for duplicate detection on the main
 * thread. A Set<string> of a million references cost the main thread ~1.5 s a million rows
 * (splitting the chunk's joined refs into strings, hashing them, and the major GCs of a
 * million retained strings), time taken from the two encoding workers on a two-core machine.
 * Here references stay as UTF-16 code units in one growing arena, indexed by an
 * open-addressing table of typed arrays: nothing per reference for the GC to trace, and
 * equality is code-unit equality, exactly as for strings.
 */
export class RefSet {
  private units = new Uint16Array(1 << 16);
  private used = 0;
  /** Per entry: start in `units`, length and hash. */
  private starts = new Float64Array(1 << 12);
  private lengths = new Uint16Array(1 << 12);
  private hashes = new Int32Array(1 << 12);
  private count = 0;
  /** Entry index + 1 per slot, 0 = empty; size a power of two, at most half full. */
  private slots = new Int32Array(1 << 13);

  get size(): number {
    return this.count;
  }

  /** Adds src[from..to) (at most 65,535 units); false if an equal reference was already there. */
  add(src: Uint16Array, from: number, to: number): boolean {
    const len = to - from;
    let h = 0x811c9dc5 | 0; // FNV-1a over code units
    for (let i = from; i < to; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s]! - 1;
      if (e < 0) break;
      if (this.hashes[e] === h && this.lengths[e] === len && this.equal(e, src, from, len)) return false;
    }
    this.insert(src, from, len, h);
    return true;
  }

  private equal(e: number, src: Uint16Array, from: number, len: number): boolean {
    const units = this.units;
    const at = this.starts[e]!;
    for (let i = 0; i < len; i++) if (units[at + i] !== src[from + i]) return false;
    return true;
  }

  private insert(src: Uint16Array, from: number, len: number, h: number): void {
    if (this.used + len > this.units.length) {
      this.units = grow(this.units, this.used + len);
    }
    this.units.set(src.subarray(from, from + len), this.used);
    if (this.count === this.hashes.length) {
      this.starts = grow(this.starts, this.count + 1);
      this.lengths = grow(this.lengths, this.count + 1);
      this.hashes = grow(this.hashes, this.count + 1);
    }
    const e = this.count++;
    this.starts[e] = this.used;
    this.lengths[e] = len;
    this.hashes[e] = h;
    this.used += len;
    if (this.count * 2 > this.slots.length) this.rehash();
    else this.place(e);
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes[e]! & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = e + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.count; e++) this.place(e);
  }
}

function grow<T extends Uint16Array | Int32Array | Float64Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}
