/** Growable typed arrays: readers append one value per line without knowing the file's length. */

type Typed = Int16Array | Uint8Array | Uint16Array | Uint32Array | Int32Array;
type Ctor<T extends Typed> = new (n: number) => T;

export class Column<T extends Typed> {
  private data: T;
  length = 0;

  constructor(private readonly ctor: Ctor<T>) {
    this.data = new ctor(1024);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new this.ctor(this.data.length * 2);
      bigger.set(this.data as never);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** The filled prefix, copied to an exactly-sized array so the spare capacity can be freed. */
  finish(): T {
    return this.data.slice(0, this.length) as T;
  }
}

/** Strings interned to dense indices, in first-seen order. */
export class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}
