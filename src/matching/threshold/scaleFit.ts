/**
 * How many links the null contributes (its scale c), and where the null of the unmatched
 * records sits relative to the runner-up sample (its shift δ), fitted to the shape of the link
 * scores. Counts alone cannot tell a few low-scoring true matches from a few false links when
 * both lie where the null does (FEBRL4's hardest pairs score like the best non-matches). Shape
 * can: links are c·(null density) + (match density), and the match density is taken to be
 * non-decreasing up to the reference edge (matches get rarer as scores fall). A bump shaped like
 * the null is then attributed to the null, while a smoothly rising count is attributed to matches.
 *
 * Why a shift. The runner-ups sample the best non-match of records that *have* a partner; the
 * records that have none are often different people to begin with (a household that is not on
 * the spine has no relatives there either), so their best non-match sits lower. Measured on
 * generated populations the unmatched records' null was the runner-up null moved down by about
 * 0.05; fixing δ = 0 then halves c and reads the true links among the false ones as more false
 * links. δ is fitted with c, from the same shape and from the unlinked records, on a grid.
 *
 * For each (δ, c) on the grid, the match counts per window are the isotonic (non-decreasing) fit
 * of the links the null leaves unexplained; the pair with the smallest Poisson deviance wins
 * (ties: δ nearest 0, then the smallest c). Unlinked records add evidence: a record without a
 * partner stays unlinked with probability 1 − G(floor). In many-to-one linkage that is exact
 * (nothing else leaves a record unlinked), so both too few and too many unlinked records count
 * against c; one-to-one conflicts leave more unmatched records unlinked, so there only too few
 * count.
 */

export interface ScaleFitInput {
  /** linkTail[k] = links scoring ≥ edge k. */
  readonly linkTail: Float64Array;
  /** nullTails[s][k] = share of the null shifted down by s bins that is ≥ edge k. */
  readonly nullTails: readonly Float64Array[];
  /** Per shift: the reference edge; windows cover bins [fromBin, toBin[s]). */
  readonly toBin: readonly number[];
  readonly fromBin: number;
  readonly windowBins: number;
  /** Width (bins) above the reference edge whose match density caps the density below it. */
  readonly capBins: number;
  /** Largest admissible scale (records that can be unmatched). */
  readonly maxScale: number;
  readonly unlinked: number;
  /** Whether the unlinked count is exact evidence (many-to-one) or an upper bound only. */
  readonly unlinkedExact: boolean;
  readonly steps: number;
}

export interface ScaleFit {
  readonly scale: number;
  /** Index into nullTails. */
  readonly shift: number;
  readonly deviance: number;
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

export function fitNullScale(f: ScaleFitInput): ScaleFit {
  let best: ScaleFit = { scale: 0, shift: 0, deviance: Number.POSITIVE_INFINITY };
  const span = Math.max(...f.toBin.map((t) => t - f.fromBin), 0);
  const most = Math.max(1, Math.ceil(span / f.windowBins));
  const links = new Float64Array(most);
  const nulls = new Float64Array(most);
  const match = new Float64Array(most);
  const levels = new Float64Array(most);
  const sizes = new Float64Array(most);
  // Windows are fixed for all shifts (the widest span), so deviances compare like with like.
  const toBin = f.fromBin + span;
  const n = Math.max(0, Math.ceil(span / f.windowBins));
  for (let w = 0; w < n; w++) {
    const s = f.fromBin + w * f.windowBins;
    const e = Math.min(toBin, s + f.windowBins);
    links[w] = f.linkTail[s]! - f.linkTail[e]!;
  }
  for (let sh = 0; sh < f.nullTails.length; sh++) {
    const nullTail = f.nullTails[sh]!;
    for (let w = 0; w < n; w++) {
      const s = f.fromBin + w * f.windowBins;
      const e = Math.min(toBin, s + f.windowBins);
      nulls[w] = nullTail[s]! - nullTail[e]!;
    }
    const stayUnlinked = 1 - nullTail[f.fromBin]!;
    // The match density just above the reference edge caps it below: matches only get rarer
    // as scores fall, across the edge too (without the cap a null misfit below the edge is
    // absorbed into "matches" that rise steeply right up to it).
    const ref = f.toBin[sh]!;
    const above = Math.min(f.linkTail.length - 1, ref + f.capBins);
    const linksAbove = f.linkTail[ref]! - f.linkTail[above]!;
    const nullAbove = nullTail[ref]! - nullTail[above]!;
    const perWindow = f.windowBins / Math.max(1, above - ref);
    const steps = n === 0 || f.maxScale <= 0 ? 0 : f.steps;
    for (let i = 0; i <= steps; i++) {
      const c = steps === 0 ? 0 : (f.maxScale * i) / steps;
      for (let w = 0; w < n; w++) match[w] = Math.max(0, links[w]! - c * nulls[w]!);
      isotonic(match, n, levels, sizes);
      // Clipping a non-decreasing fit at a constant keeps it the least-squares fit under both.
      const cap = Math.max(0, linksAbove - c * nullAbove) * perWindow;
      for (let w = 0; w < n; w++) if (match[w]! > cap) match[w] = cap;
      let deviance = 0;
      for (let w = 0; w < n; w++) deviance += poissonDeviance(links[w]!, c * nulls[w]! + match[w]!);
      const unlinkedExpected = c * stayUnlinked;
      if (f.unlinkedExact || unlinkedExpected > f.unlinked)
        deviance += poissonDeviance(f.unlinked, unlinkedExpected);
      if (deviance < best.deviance - 1e-9) best = { scale: c, shift: sh, deviance };
    }
  }
  return best.deviance === Number.POSITIVE_INFINITY ? { scale: 0, shift: 0, deviance: 0 } : best;
}
