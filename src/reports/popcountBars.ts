/**
 * Bars for a popcount histogram: one per popcount, or one per run of `width` popcounts when
 * there are more than `maxBars` (a chart of hundreds of hairline bars reads as noise). Each
 * bar is labelled with the first popcount of its run, which keeps the axis labels short.
 */
import type { Bar } from './svgChart.js';

export function popcountBars(
  bins: readonly { readonly popcount: number; readonly filters: number }[],
  maxBars: number,
): { readonly bars: Bar[]; readonly width: number } {
  const width = Math.max(1, Math.ceil(bins.length / maxBars));
  const bars: Bar[] = [];
  for (let i = 0; i < bins.length; i += width) {
    let filters = 0;
    for (let k = i; k < Math.min(bins.length, i + width); k++) filters += bins[k]!.filters;
    bars.push({ label: String(bins[i]!.popcount), value: filters });
  }
  return { bars, width };
}
