/**
 * Inline SVG bar charts for the report page: drawn on the server, so the page needs no script
 * and no external request, and prints as vectors. Each chart carries <title>/<desc> and
 * role="img" so screen readers announce it; the same numbers are in a table beside it.
 */
import { esc, int } from './escape.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface BarChartOptions {
  readonly title: string;
  readonly description: string;
  /** Draw a vertical marker at this fractional position along the x axis (0..1), labelled. */
  readonly marker?: { readonly at: number; readonly label: string };
  /** Label under the first, middle and last bar only (dense histograms). */
  readonly sparseLabels?: boolean;
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 20, bottom: 36 };

export function barChart(bars: readonly Bar[], o: BarChartOptions): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const step = plotW / Math.max(1, bars.length);
  const gap = step > 6 ? 1 : 0;
  const parts: string[] = [];
  bars.forEach((b, k) => {
    const h = (b.value / max) * plotH;
    const x = PAD.left + k * step;
    parts.push(
      `<rect class="bar" x="${x.toFixed(2)}" y="${(PAD.top + plotH - h).toFixed(2)}" width="${Math.max(0.5, step - gap).toFixed(2)}" height="${h.toFixed(2)}"><title>${esc(b.label)}: ${esc(int(b.value))}</title></rect>`,
    );
    const labelled = !o.sparseLabels || k === 0 || k === bars.length - 1 || k === bars.length >> 1;
    if (labelled)
      parts.push(
        `<text class="tick" x="${(x + step / 2).toFixed(2)}" y="${HEIGHT - PAD.bottom + 14}" text-anchor="middle">${esc(b.label)}</text>`,
      );
  });
  const axis = `<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotH}"/>`;
  const yLabels = `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${esc(int(max))}</text><text class="tick" x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>`;
  let marker = '';
  if (o.marker !== undefined) {
    const x = PAD.left + Math.min(1, Math.max(0, o.marker.at)) * plotW;
    marker = `<line class="marker" x1="${x.toFixed(2)}" y1="${PAD.top - 6}" x2="${x.toFixed(2)}" y2="${PAD.top + plotH}"/><text class="marker-label" x="${x.toFixed(2)}" y="${PAD.top - 8}" text-anchor="middle">${esc(o.marker.label)}</text>`;
  }
  const id = `c${hash(o.title)}`;
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-t ${id}-d"><title id="${id}-t">${esc(o.title)}</title><desc id="${id}-d">${esc(o.description)}</desc>${axis}${yLabels}${parts.join('')}${marker}</svg>`;
}

/** A short stable id from the title, so aria references are unique per chart without a counter. */
function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
