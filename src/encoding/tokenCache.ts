/**
 * A bounded two-generation cache from token to its hash-derived values. Token vocabularies are
 * tiny and skewed (bigrams of names, digits of dates), so almost every lookup hits and the
 * keyed hash is computed once per distinct token; high-cardinality tokens (NHS numbers) only
 * churn the young generation, and hot entries survive by being promoted on access.
 */
export class TokenCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly generationSize = 1 << 15) {}

  get(token: string): V | undefined {
    const v = this.young.get(token);
    if (v !== undefined) return v;
    const o = this.old.get(token);
    if (o !== undefined) this.set(token, o);
    return o;
  }

  set(token: string, value: V): void {
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(token, value);
  }
}
