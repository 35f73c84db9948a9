import type { BufferedWriter } from './csvWriter.js';
import type { Rng } from './rng.js';

/** UTF-8 lines packed end to end in one growable buffer, with their start offsets. */
class LineStore {
  bytes = Buffer.allocUnsafe(1 << 20);
  starts: Int32Array;
  end = 0;

  constructor(capacity: number) {
    this.starts = new Int32Array(capacity + 1);
  }

  add(i: number, line: string): void {
    if (this.end + line.length * 3 > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.end + line.length * 3));
      this.bytes.copy(bigger, 0, 0, this.end);
      this.bytes = bigger;
    }
    this.starts[i] = this.end;
    this.end += this.bytes.write(line, this.end, 'utf8');
    this.starts[i + 1] = this.end;
  }
}

/**
 * Rows wait here until `size` have gathered, then go to the writers in a shuffled order (each row
 * with its truth row), so output files are not in generation order while memory stays bounded
 * by one window per file. Rows are held as UTF-8 bytes, not JS strings, to keep them off the
 * garbage-collected heap.
 */
export class ShuffleWindow {
  private readonly rows: LineStore;
  private readonly truths: LineStore;
  private readonly order: Int32Array;
  private n = 0;

  constructor(
    private readonly rng: Rng,
    private readonly size: number,
    private readonly writer: BufferedWriter,
    private readonly truth: BufferedWriter,
  ) {
    this.rows = new LineStore(size);
    this.truths = new LineStore(size);
    this.order = new Int32Array(size);
  }

  push(line: string, truthLine: string): void {
    // Each line's end offset is the next line's start, so entries are added in order.
    this.rows.add(this.n, line);
    this.truths.add(this.n, truthLine);
    this.n++;
    if (this.n >= this.size) this.flush();
  }

  /** Fisher–Yates over the window, then hands every row and its truth row to the writers. */
  flush(): void {
    const { order, rng, rows, truths } = this;
    const n = this.n;
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      this.writer.pushBytes(rows.bytes, rows.starts[i]!, rows.starts[i + 1]!);
      this.truth.pushBytes(truths.bytes, truths.starts[i]!, truths.starts[i + 1]!);
    }
    this.n = 0;
    rows.end = 0;
    truths.end = 0;
  }
}
