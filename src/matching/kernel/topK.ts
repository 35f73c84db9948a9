/**
 * Keeps the k best B candidates of one A row at a time in a bounded heap (worst on top), so a
 * row with many candidates costs O(log k) per candidate and no allocation. Best means higher
 * Dice, then lower B index. Candidates must arrive grouped by A row (all kernels emit rows in
 * order); a row is written to the buffer, best first, when the next row starts or at `finish`.
 */
import type { CandidateBuffer } from './candidateBuffer.js';

export class TopKSelector {
  private readonly k: number;
  private readonly heapJ: Uint32Array;
  private readonly heapScore: Float64Array;
  private size = 0;
  private row = -1;

  constructor(k: number) {
    this.k = k;
    this.heapJ = new Uint32Array(k);
    this.heapScore = new Float64Array(k);
  }

  offer(i: number, j: number, score: number, out: CandidateBuffer): void {
    if (i !== this.row) {
      this.flush(out);
      this.row = i;
    }
    if (this.size < this.k) {
      this.heapJ[this.size] = j;
      this.heapScore[this.size] = score;
      this.siftUp(this.size++);
    } else if (this.worse(this.heapScore[0]!, this.heapJ[0]!, score, j)) {
      this.heapJ[0] = j;
      this.heapScore[0] = score;
      this.siftDown(0, this.size);
    }
  }

  /**
   * Whether offering (i, j, score) would change nothing: row i is the current row, its k are
   * taken and the candidate ranks below the worst of them. Lets a caller skip the offer (and
   * any work before it) for the bulk of a long row's candidates.
   */
  rejects(i: number, j: number, score: number): boolean {
    return i === this.row && this.size === this.k && this.worse(score, j, this.heapScore[0]!, this.heapJ[0]!);
  }

  /** Writes the last row; the selector can then be reused. */
  finish(out: CandidateBuffer): void {
    this.flush(out);
    this.row = -1;
  }

  private flush(out: CandidateBuffer): void {
    const n = this.size;
    if (n === 0) return;
    out.reserve(out.length + n);
    // Pop the worst into the last free slot until the heap is empty: the row ends up best first.
    for (let end = n - 1; end >= 0; end--) {
      out.aIndex[out.length + end] = this.row;
      out.bIndex[out.length + end] = this.heapJ[0]!;
      out.score[out.length + end] = this.heapScore[0]!;
      this.heapJ[0] = this.heapJ[end]!;
      this.heapScore[0] = this.heapScore[end]!;
      this.siftDown(0, end);
    }
    out.length += n;
    this.size = 0;
  }

  /** Whether candidate (s1, j1) ranks below (s2, j2). */
  private worse(s1: number, j1: number, s2: number, j2: number): boolean {
    return s1 < s2 || (s1 === s2 && j1 > j2);
  }

  private siftUp(at: number): void {
    const j = this.heapJ[at]!;
    const s = this.heapScore[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.worse(s, j, this.heapScore[parent]!, this.heapJ[parent]!)) break;
      this.heapJ[at] = this.heapJ[parent]!;
      this.heapScore[at] = this.heapScore[parent]!;
      at = parent;
    }
    this.heapJ[at] = j;
    this.heapScore[at] = s;
  }

  private siftDown(at: number, size: number): void {
    const j = this.heapJ[at]!;
    const s = this.heapScore[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (
        right < size &&
        this.worse(this.heapScore[right]!, this.heapJ[right]!, this.heapScore[child]!, this.heapJ[child]!)
      )
        child = right;
      if (!this.worse(this.heapScore[child]!, this.heapJ[child]!, s, j)) break;
      this.heapJ[at] = this.heapJ[child]!;
      this.heapScore[at] = this.heapScore[child]!;
      at = child;
    }
    this.heapJ[at] = j;
    this.heapScore[at] = s;
  }
}
