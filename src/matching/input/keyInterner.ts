/**
 * Dense ids for block keys without keeping the keys: each key is reduced to a 64-bit hash (two
 * independent 32-bit FNV-1a-style hashes of its characters) and interned in an open-addressing
 * table on typed arrays. A Map of a million key strings cost most of the time of reading an
 * encodings file; this costs a few tens of nanoseconds a key.
 *
 * Two different keys hashing alike (about one chance in 10^7 among a million keys) would share a
 * block: that only adds comparisons, it never loses a pair.
 */

export class KeyInterner {
  private capacity: number;
  private mask: number;
  private tableHi: Uint32Array;
  private tableLo: Uint32Array;
  /** id + 1 per slot; 0 = empty. */
  private tableId: Int32Array;
  /** Per id, its hash (hi, lo): ids are dense, so these grow like a list. */
  hi: Uint32Array;
  lo: Uint32Array;
  size = 0;

  constructor(expected = 1024) {
    this.capacity = 1 << Math.max(4, Math.ceil(Math.log2(expected * 2)));
    this.mask = this.capacity - 1;
    this.tableHi = new Uint32Array(this.capacity);
    this.tableLo = new Uint32Array(this.capacity);
    this.tableId = new Int32Array(this.capacity);
    this.hi = new Uint32Array(Math.max(16, expected));
    this.lo = new Uint32Array(Math.max(16, expected));
  }

  /** An interner holding these hashes as ids 0..size-1 (one made in another thread, rebuilt). */
  static fromHashes(hi: Uint32Array, lo: Uint32Array, size: number): KeyInterner {
    const k = new KeyInterner(Math.max(16, size));
    for (let id = 0; id < size; id++) k.intern(hi[id]!, lo[id]!);
    return k;
  }

  /** The id of the key with this hash, adding it if new. */
  intern(hi: number, lo: number): number {
    const found = this.lookup(hi, lo);
    if (found >= 0) return found;
    if ((this.size + 1) * 2 > this.capacity) this.grow();
    const id = this.size++;
    if (id === this.hi.length) {
      this.hi = grown(this.hi);
      this.lo = grown(this.lo);
    }
    this.hi[id] = hi;
    this.lo[id] = lo;
    this.place(hi, lo, id);
    return id;
  }

  /** The id of the key with this hash, or -1. */
  lookup(hi: number, lo: number): number {
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const id = this.tableId[slot]!;
      if (id === 0) return -1;
      if (this.tableLo[slot] === lo && this.tableHi[slot] === hi) return id - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  private place(hi: number, lo: number, id: number): void {
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    while (this.tableId[slot] !== 0) slot = (slot + 1) & this.mask;
    this.tableHi[slot] = hi;
    this.tableLo[slot] = lo;
    this.tableId[slot] = id + 1;
  }

  private grow(): void {
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.tableHi = new Uint32Array(this.capacity);
    this.tableLo = new Uint32Array(this.capacity);
    this.tableId = new Int32Array(this.capacity);
    for (let id = 0; id < this.size; id++) this.place(this.hi[id]!, this.lo[id]!, id);
  }
}

function grown(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Hash of s[start, end): returns hi and writes nothing; lo via keyHashLo. Split so no object is made per key. */
export function keyHashHi(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function keyHashLo(s: string, start: number, end: number): number {
  // A different basis and multiplier (murmur3's), so the two halves are independent.
  let h = 0x9747b28c;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
  return h >>> 0;
}
