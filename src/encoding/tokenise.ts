/**
 * Tokenisers turn one prepared field value into the tokens hashed into the filter. Their output
 * strings are part of the encoding contract (clkhash v3 compatibility), so formats such as the
 * positional "<1-based index> <gram>" are exact, and strings are sliced by Unicode code point,
 * as Python does, not by UTF-16 unit.
 */

export type Tokeniser = (value: string) => string[];

function codePoints(s: string): string[] {
  // Fast path: a string without surrogates is sliced by code unit safely.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return Array.from(s);
  }
  return s.split('');
}

/** q-grams padded with q-1 spaces each side (q > 1); positional grams are prefixed "i " (1-based). */
export function qgramTokeniser(q: number, positional: boolean): Tokeniser {
  if (!Number.isInteger(q) || q < 0) throw new RangeError('q must be a non-negative integer');
  const pad = ' '.repeat(Math.max(0, q - 1));
  return (value) => {
    if (value.length === 0) return [];
    const chars = codePoints(q > 1 ? pad + value + pad : value);
    const out: string[] = [];
    for (let i = 0; i + q <= chars.length; i++) {
      let gram = '';
      for (let j = i; j < i + q; j++) gram += chars[j];
      out.push(positional ? `${i + 1} ${gram}` : gram);
    }
    return out;
  };
}

/** The whole value is one token; an empty value gives none. */
export const exactTokeniser: Tokeniser = (value) => (value.length === 0 ? [] : [value]);

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function floorMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/**
 * Numeric neighbourhood tokens (Vatsalan & Christen): the value is scaled by 2·resolution,
 * snapped to the grid of `thresholdDistance`, and 2·resolution+1 grid points around it are
 * emitted, so values closer than the threshold share tokens.
 */
export function numericTokeniser(
  thresholdDistance: number,
  resolution: number,
  fractionalPrecision = 0,
): Tokeniser {
  const interval = roundHalfEven(thresholdDistance * 10 ** fractionalPrecision);
  if (!(thresholdDistance > 0) || interval === 0) throw new RangeError('thresholdDistance too small');
  if (!Number.isInteger(resolution) || resolution < 1) throw new RangeError('resolution must be >= 1');
  return (value) => {
    if (value.length === 0) return [];
    let v: number;
    if (/^\s*[+-]?\d+\s*$/.test(value)) {
      v = Number.parseInt(value, 10) * 10 ** fractionalPrecision;
    } else {
      const f = Number(value);
      if (!Number.isFinite(f)) return [];
      v = fractionalPrecision > 0 ? roundHalfEven(f * 10 ** fractionalPrecision) : Math.trunc(f);
    }
    v = v * 2 * resolution;
    const residue = floorMod(v, interval);
    if (residue !== 0) v = residue < interval / 2 ? v - residue : v + (interval - residue);
    const out: string[] = [];
    for (let i = -resolution; i <= resolution; i++) out.push(String(v + i * interval));
    return out;
  };
}

/** The integer-key fast path applies to these q-gram shapes (see FeaturePlan.gram). */
export function gramShape(q: number, positional: boolean): { q: 1 | 2; positional: boolean } | undefined {
  if (q === 1) return { q: 1, positional };
  if (q === 2 && !positional) return { q: 2, positional: false };
  return undefined;
}
