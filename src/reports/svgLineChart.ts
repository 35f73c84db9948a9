/**
 * Inline SVG line charts for the report page, in the manner of svgChart.ts: drawn on the
 * server, no script, vectors in print, <title>/<desc> with role="img". Series differ by dash
 * pattern as well as colour (classes line-1, line-2, line-3 in htmlPage.ts), and a legend names
 * them, so the chart reads in greyscale print and without colour vision.
 */
import { esc, fixed } from './escape.js';

export interface LinePoint {
  readonly x: number;
  readonly y: number;
}

export interface LineSeries {
  readonly label: string;
  readonly points: readonly LinePoint[];
}

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly label: string;
  /** Decimals of the tick labels (default 2). */
  readonly digits?: number;
}

export interface LineChartOptions {
  readonly title: string;
  readonly description: string;
  readonly x: Axis;
  readonly y: Axis;
  /** A labelled vertical marker at this x value (e.g. the run's threshold). */
  readonly marker?: { readonly at: number; readonly label: string };
}

const WIDTH = 640;
const HEIGHT = 260;
const PAD = { left: 48, right: 12, top: 28, bottom: 40 };
/** Series beyond this reuse the last style; the report draws two. */
const STYLES = 3;

export function lineChart(series: readonly LineSeries[], o: LineChartOptions): string {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const sx = scale(o.x, PAD.left, PAD.left + plotW);
  const sy = scale(o.y, PAD.top + plotH, PAD.top);
  const parts: string[] = [];
  for (const t of ticks(o.y)) {
    const y = sy(t).toFixed(2);
    parts.push(
      `<line class="grid" x1="${PAD.left}" y1="${y}" x2="${PAD.left + plotW}" y2="${y}"/><text class="tick" x="${PAD.left - 6}" y="${y}" dy="3" text-anchor="end">${esc(fixed(t, o.y.digits ?? 2))}</text>`,
    );
  }
  for (const t of ticks(o.x))
    parts.push(
      `<text class="tick" x="${sx(t).toFixed(2)}" y="${PAD.top + plotH + 14}" text-anchor="middle">${esc(fixed(t, o.x.digits ?? 2))}</text>`,
    );
  parts.push(
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top + plotH}" x2="${PAD.left + plotW}" y2="${PAD.top + plotH}"/>`,
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotH}"/>`,
    `<text class="tick" x="${PAD.left + plotW / 2}" y="${HEIGHT - 6}" text-anchor="middle">${esc(o.x.label)}</text>`,
    `<text class="tick" x="12" y="${PAD.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${PAD.top + plotH / 2})">${esc(o.y.label)}</text>`,
  );
  series.forEach((s, k) => {
    const cls = `line line-${Math.min(k, STYLES - 1) + 1}`;
    const pts = s.points
      .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
      .map((p) => `${sx(p.x).toFixed(2)},${sy(p.y).toFixed(2)}`)
      .join(' ');
    parts.push(`<polyline class="${cls}" points="${pts}"><title>${esc(s.label)}</title></polyline>`);
    // Legend along the top, left to right: a sample of the line, then its name.
    const lx = PAD.left + 8 + k * 150;
    parts.push(
      `<line class="${cls}" x1="${lx}" y1="${PAD.top - 14}" x2="${lx + 24}" y2="${PAD.top - 14}"/><text class="tick" x="${lx + 30}" y="${PAD.top - 10}">${esc(s.label)}</text>`,
    );
  });
  if (o.marker !== undefined) {
    const x = sx(Math.min(o.x.max, Math.max(o.x.min, o.marker.at))).toFixed(2);
    parts.push(
      `<line class="marker" x1="${x}" y1="${PAD.top - 4}" x2="${x}" y2="${PAD.top + plotH}"/><text class="marker-label" x="${x}" y="${PAD.top + plotH - 6}" dx="-4" text-anchor="end">${esc(o.marker.label)}</text>`,
    );
  }
  const id = `l${hash(o.title)}`;
  return `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-t ${id}-d"><title id="${id}-t">${esc(o.title)}</title><desc id="${id}-d">${esc(o.description)}</desc>${parts.join('')}</svg>`;
}

/** Maps [axis.min, axis.max] onto [from, to]; a zero-width axis maps everything to `from`. */
function scale(a: Axis, from: number, to: number): (v: number) => number {
  const span = a.max - a.min;
  return (v) => (span > 0 ? from + ((v - a.min) / span) * (to - from) : from);
}

/** Both ends and three points between them. */
function ticks(a: Axis): number[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => a.min + f * (a.max - a.min));
}

/** A short stable id from the title (as svgChart.ts), so aria references are unique per chart. */
function hash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}
