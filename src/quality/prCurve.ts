/**
 * The precision–recall curve of an evaluated run: real precision, recall and F1 at every
 * threshold from the floor to 1 in 0.01 steps. It is computed from the links made at the floor
 * because those scoring ≥ t are the links a solve at t makes (one-to-one and many-to-one greedy
 * solutions; evaluate.ts, `sweep`), so one solve gives the whole curve.
 */
import { type Confusion, type ScoredLinks, sweep, type TruthIndex } from './evaluate.js';

export const CURVE_STEP = 0.01;

export interface CurvePoint {
  readonly threshold: number;
  readonly links: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

export interface PrecisionRecallCurve {
  readonly curve: CurvePoint[];
  /** The curve's point of highest F1 (the lowest such threshold on a tie): the best threshold in hindsight. */
  readonly bestF1: CurvePoint;
}

/** floor, floor + 0.01, …, 1 on the 0.01 grid, starting at the first grid point ≥ the floor. */
export function curveThresholds(floor: number): number[] {
  const out: number[] = [];
  // 1e-9: 0.57 × 100 is 56.99999999999999, whose ceiling must still be 57.
  for (let k = Math.ceil(floor * 100 - 1e-9); k <= 100; k++) out.push(k / 100);
  return out;
}

export function precisionRecallCurve(
  linksAtFloor: ScoredLinks,
  truth: TruthIndex,
  floor: number,
): PrecisionRecallCurve {
  const curve = sweep(linksAtFloor, truth, curveThresholds(floor)).map(point);
  let best = curve[0]!;
  for (const p of curve) if (p.f1 > best.f1) best = p;
  return { curve, bestF1: best };
}

function point(c: Confusion): CurvePoint {
  return { threshold: c.threshold, links: c.links, precision: c.precision, recall: c.recall, f1: c.f1 };
}
