import type { CodePattern } from '../criteria/codes.js';

/**
 * Code patterns resolved to a per-code match table (one byte per interned code), so the event
 * loop tests `table[code[e]]` instead of comparing strings. Prefixes are found by binary search
 * over the codes sorted once per column set (cached by the `codes` array's identity): a prefix
 * costs O(log codes + matches), not a scan of every code per pattern.
 */

const sortedCache = new WeakMap<readonly string[], Uint32Array>();

/** Indices into `codes`, ordered by code string (UTF-16 order, the order `startsWith` ranges need). */
export function sortedCodeOrder(codes: readonly string[]): Uint32Array {
  let order = sortedCache.get(codes);
  if (order === undefined) {
    const idx = Array.from({ length: codes.length }, (_, i) => i);
    idx.sort((a, b) => (codes[a]! < codes[b]! ? -1 : codes[a]! > codes[b]! ? 1 : a - b));
    order = Uint32Array.from(idx);
    sortedCache.set(codes, order);
  }
  return order;
}

/** First position in `order` whose code is >= `text`. */
function lowerBound(codes: readonly string[], order: Uint32Array, text: string): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (codes[order[mid]!]! < text) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The match table for `patterns`, and how many codes matched (0 lets the plan skip the scan). */
export function resolveCodes(
  codes: readonly string[],
  patterns: readonly CodePattern[],
): { table: Uint8Array; matched: number } {
  const order = sortedCodeOrder(codes);
  const table = new Uint8Array(codes.length);
  let matched = 0;
  for (const p of patterns) {
    for (let i = lowerBound(codes, order, p.text); i < order.length; i++) {
      const c = order[i]!;
      const s = codes[c]!;
      if (p.prefix ? !s.startsWith(p.text) : s !== p.text) break;
      if (table[c] === 0) {
        table[c] = 1;
        matched++;
      }
    }
  }
  return { table, matched };
}
