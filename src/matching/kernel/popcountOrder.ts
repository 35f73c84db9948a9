/**
 * Sorting B by popcount turns the popcount bound into a window: for an A filter with popcount
 * p only B filters with popcounts in [lo(p), hi(p)] can reach the threshold, and in a sorted
 * store those sit next to each other, so the kernel scans the window and never looks at the
 * rest (~2.5× fewer comparisons on real CLKs, whose popcounts spread widely).
 */
import type { FilterStore, FilterStoreOptions } from './filterStore.js';

/** Store positions ordered by popcount, ties in position order (a stable counting sort). */
export function popcountOrder(store: FilterStore): Uint32Array {
  const pops = store.popcounts;
  const starts = new Uint32Array(store.bits + 2);
  for (let i = 0; i < pops.length; i++) starts[pops[i]! + 1]!++;
  for (let p = 1; p < starts.length; p++) starts[p]! += starts[p - 1]!;
  const order = new Uint32Array(pops.length);
  for (let i = 0; i < pops.length; i++) order[starts[pops[i]!]!++] = i;
  return order;
}

/** The store sorted by popcount, and `order` to map its positions back to the original's. */
export function sortByPopcount(
  store: FilterStore,
  options: FilterStoreOptions = {},
): { readonly store: FilterStore; readonly order: Uint32Array } {
  const order = popcountOrder(store);
  return { store: store.permuted(order, options), order };
}

/** Whether popcounts never decrease over [start, end), i.e. the kernel may scan windows. */
export function isSortedByPopcount(store: FilterStore, start: number, end: number): boolean {
  const pops = store.popcounts;
  for (let j = start + 1; j < end; j++) if (pops[j]! < pops[j - 1]!) return false;
  return true;
}

/** First position in [start, end) of a popcount-sorted range whose popcount is ≥ value (binary search). */
export function firstPopAtLeast(pops: Uint16Array, start: number, end: number, value: number): number {
  let a = start;
  let b = end;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (pops[m]! >= value) b = m;
    else a = m + 1;
  }
  return a;
}
