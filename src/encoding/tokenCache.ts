/**
 * A bounded two-generation cache from token to its hash-derived values. Token vocabularies are
 * tiny and skewed (bigrams of names, digits of dates), so almost every lookup hits and the
 * keyed hash is computed once per distinct token; high-cardinality tokens (NHS numbers) only
 * churn the young generation, and hot entries survive by being promoted on access.
 */
export class TokenCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  private lookups = 0;
  private hits = 0;
  private disabled = false;

  /**
   * @param generationSize entries per generation (memory bound: two generations)
   * @param minHitRate below this hit rate after a warm-up the cache switches itself off —
   *   for values that never repeat (NHS numbers) it would only cost allocation.
   */
  constructor(
    private readonly generationSize = 1 << 15,
    private readonly minHitRate = 0,
  ) {}

  /** True while caching pays for itself. */
  get enabled(): boolean {
    return !this.disabled;
  }

  get(token: string): V | undefined {
    if (this.disabled) return undefined;
    this.lookups++;
    let v = this.young.get(token);
    if (v === undefined) {
      v = this.old.get(token);
      if (v !== undefined) this.set(token, v);
    }
    if (v !== undefined) this.hits++;
    else if (this.lookups === 16384 && this.hits < this.minHitRate * this.lookups) {
      this.disabled = true;
      this.young = new Map();
      this.old = new Map();
    }
    return v;
  }

  set(token: string, value: V): void {
    if (this.disabled) return;
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(token, value);
  }
}
