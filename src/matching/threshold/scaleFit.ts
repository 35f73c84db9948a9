/**
 * How many links the null contributes (its scale c), fitted to the shape of the link scores.
 * Counts alone cannot tell a few low-scoring true matches from a few false links when both lie
 * where the null does (FEBRL4's hardest pairs score like the best non-matches). Shape can: links
 * are c·(null density) + (match density), and the match density is taken to be non-decreasing
 * up to the reference edge (matches get rarer as scores fall). A bump shaped like the null is
 * then attributed to the null, while a smoothly rising count is attributed to matches.
 *
 * For each c on a grid, the match counts per window are the isotonic (non-decreasing) fit of
 * the links the null leaves unexplained; the c with the smallest Poisson deviance wins (ties:
 * the smallest). Unlinked records add evidence: an unmatched record stays unlinked with
 * probability 1 − G(floor), so fewer unlinked records than c·(1 − G(floor)) count against c.
 */

export interface ScaleFitInput {
  /** linkTail[k] = links scoring ≥ edge k. */
  readonly linkTail: Float64Array;
  /** nullTail[k] = share of the null ≥ edge k. */
  readonly nullTail: Float64Array;
  /** Windows cover bins [fromBin, toBin). */
  readonly fromBin: number;
  readonly toBin: number;
  readonly windowBins: number;
  /** Largest admissible scale (records that can be unmatched). */
  readonly maxScale: number;
  readonly unlinked: number;
  readonly steps: number;
}

function poissonDeviance(observed: number, expected: number): number {
  const e = Math.max(expected, 1e-9);
  return observed > 0 ? 2 * (observed * Math.log(observed / e) - (observed - e)) : 2 * e;
}

/** Non-decreasing least-squares fit (pool adjacent violators), in place; equal weights. */
function isotonic(values: Float64Array, n: number, levels: Float64Array, sizes: Float64Array): void {
  let blocks = 0;
  for (let i = 0; i < n; i++) {
    levels[blocks] = values[i]!;
    sizes[blocks] = 1;
    blocks++;
    while (blocks > 1 && levels[blocks - 2]! > levels[blocks - 1]!) {
      const s = sizes[blocks - 2]! + sizes[blocks - 1]!;
      levels[blocks - 2] =
        (levels[blocks - 2]! * sizes[blocks - 2]! + levels[blocks - 1]! * sizes[blocks - 1]!) / s;
      sizes[blocks - 2] = s;
      blocks--;
    }
  }
  for (let b = 0, i = 0; b < blocks; b++) for (let j = 0; j < sizes[b]!; j++) values[i++] = levels[b]!;
}

export function fitNullScale(f: ScaleFitInput): number {
  const n = Math.max(0, Math.ceil((f.toBin - f.fromBin) / f.windowBins));
  if (n === 0 || f.maxScale <= 0) return 0;
  const links = new Float64Array(n);
  const nulls = new Float64Array(n);
  for (let w = 0; w < n; w++) {
    const s = f.fromBin + w * f.windowBins;
    const e = Math.min(f.toBin, s + f.windowBins);
    links[w] = f.linkTail[s]! - f.linkTail[e]!;
    nulls[w] = f.nullTail[s]! - f.nullTail[e]!;
  }
  const stayUnlinked = 1 - f.nullTail[f.fromBin]!;
  const match = new Float64Array(n);
  const levels = new Float64Array(n);
  const sizes = new Float64Array(n);
  let best = 0;
  let bestDeviance = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= f.steps; i++) {
    const c = (f.maxScale * i) / f.steps;
    for (let w = 0; w < n; w++) match[w] = Math.max(0, links[w]! - c * nulls[w]!);
    isotonic(match, n, levels, sizes);
    let deviance = 0;
    for (let w = 0; w < n; w++) deviance += poissonDeviance(links[w]!, c * nulls[w]! + match[w]!);
    const unlinkedExpected = c * stayUnlinked;
    if (unlinkedExpected > f.unlinked) deviance += poissonDeviance(f.unlinked, unlinkedExpected);
    if (deviance < bestDeviance - 1e-9) {
      bestDeviance = deviance;
      best = c;
    }
  }
  return best;
}
