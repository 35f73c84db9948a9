/**
 * A bounded cache from a string (a raw value, a token, a joined block value) to what it costs
 * to compute from it. Identifier vocabularies are skewed (common names, birth dates, bigrams),
 * so most lookups hit; when the map is full it is simply cleared — one Map lookup per get keeps
 * the hit path cheap, which measured faster than a two-generation scheme that needs two
 * lookups on every miss. A cache whose values never repeat (NHS numbers) switches itself off
 * after a warm-up, since it would only cost allocation.
 */
export class TokenCache<V> {
  private map = new Map<string, V>();
  private lookups = 0;
  private hits = 0;
  private disabled = false;

  /**
   * @param capacity entries kept before the cache is cleared
   * @param minHitRate below this hit rate after 16,384 lookups the cache switches itself off
   */
  constructor(
    private readonly capacity = 1 << 16,
    private readonly minHitRate = 0,
  ) {}

  /** True while caching pays for itself. */
  get enabled(): boolean {
    return !this.disabled;
  }

  get(key: string): V | undefined {
    if (this.disabled) return undefined;
    const v = this.map.get(key);
    if (this.lookups < 16384) {
      this.lookups++;
      if (v !== undefined) this.hits++;
      else if (this.lookups === 16384 && this.hits < this.minHitRate * this.lookups) {
        this.disabled = true;
        this.map = new Map();
      }
    }
    return v;
  }

  set(key: string, value: V): void {
    if (this.disabled) return;
    if (this.map.size >= this.capacity) this.map.clear();
    this.map.set(key, value);
  }
}
