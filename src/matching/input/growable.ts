/**
 * Append-only typed arrays that double when full: reading a file of unknown record count into
 * packed memory without one allocation per record.
 */
export class GrowableBytes {
  private data: Uint8Array;
  private length = 0;

  constructor(initialCapacity: number) {
    this.data = new Uint8Array(Math.max(0, initialCapacity));
  }

  append(src: Uint8Array, n: number): void {
    if (this.length + n > this.data.length) {
      const next = new Uint8Array(Math.max(this.length + n, this.data.length * 2, 1024));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(n === src.length ? src : src.subarray(0, n), this.length);
    this.length += n;
  }

  /** The bytes appended so far (a view, valid until the next append). */
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

export class GrowableInt32 {
  private data: Int32Array;
  private length = 0;

  constructor(initialCapacity: number) {
    this.data = new Int32Array(Math.max(1, initialCapacity));
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** A right-sized copy. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}
