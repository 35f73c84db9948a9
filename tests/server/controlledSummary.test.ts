/**
 * The run summary as researchers get it (`GET /runs/:id/summary`, disclosure 'controlled'):
 * the threshold's estimates as stored, their 95 % intervals rounded outward to 0.01 (as stored,
 * an interval's end is a fraction of whole links that gives the run's link count back), and
 * null where the links they are about are themselves suppressed.
 */
import { describe, expect, it } from 'vitest';
import { publishRunCount } from '../../src/server/routes/projectRuns.js';
import { controlledSummary } from '../../src/server/routes/runs.js';

const LINKS = 633;

/** The threshold part of a run summary, as cohortlink link writes it (numbers from a real run). */
function summary(aroundLinks = [LINKS, 630, 5]) {
  const entry = (threshold: number, links: number) => ({
    threshold,
    links,
    truePositives: links - 2.75,
    falsePositives: 2.75,
    falseNegatives: 0,
    precision: (links - 2.75) / links,
    recall: 1,
    f1: 0.9978,
    // As intervalsAt leaves them: whole draws over the links.
    precisionInterval: { low: Math.max(0, links - 35) / links, high: 1 },
    recallInterval: { low: 0.9744816586921851, high: 1 },
    f1Interval: { low: 0.9715678310316815, high: 1 },
  });
  return {
    format: 'cohortlink-run-summary/1',
    threshold: {
      threshold: 0.5,
      method: 'null-mixture',
      estimatedPrecision: (LINKS - 2.75) / LINKS,
      estimatedRecall: 1,
      estimatedF1: 0.9978,
      precisionInterval: { low: (LINKS - 35) / LINKS, high: 1 },
      recallInterval: { low: 0.9744816586921851, high: 1 },
      f1Interval: { low: 0.9715678310316815, high: 0.9991 },
      basis: 'runner-ups',
      around: [entry(0.5, aroundLinks[0]!), entry(0.52, aroundLinks[1]!), entry(0.55, aroundLinks[2]!)],
      model: {
        floor: 0.5,
        binWidth: 0.001,
        confidentFrom: 0.606,
        nullShift: -0.01,
        nullSampleAboveFloor: 37,
      },
    },
    pairs: [
      {
        left: 'hospital',
        right: 'spine',
        links: LINKS,
        requery: { rounds: 2, rows: 647, pairsAdded: 1292, seconds: 0.07 },
      },
    ],
  };
}

type Interval = { low: number; high: number };
// biome-ignore lint/suspicious/noExplicitAny: the controlled summary is read field by field
const control = (s: unknown): any => controlledSummary(s);

describe('controlledSummary: the threshold estimates and their intervals', () => {
  it('keeps the estimates and basis as stored and rounds the intervals outward to 0.01, each still holding its estimate', () => {
    const stored = summary();
    const c = control(stored);
    expect(c.threshold.estimatedPrecision).toBe(stored.threshold.estimatedPrecision);
    expect(c.threshold.basis).toBe('runner-ups');
    expect(c.threshold.precisionInterval).toEqual({ low: 0.94, high: 1 });
    expect(c.threshold.recallInterval).toEqual({ low: 0.97, high: 1 });
    expect(c.threshold.f1Interval).toEqual({ low: 0.97, high: 1 });
    const pairs: [number, Interval, Interval][] = [
      [c.threshold.estimatedPrecision, c.threshold.precisionInterval, stored.threshold.precisionInterval],
      [c.threshold.estimatedRecall, c.threshold.recallInterval, stored.threshold.recallInterval],
      [c.threshold.estimatedF1, c.threshold.f1Interval, stored.threshold.f1Interval],
      ...c.threshold.around
        .slice(0, 2)
        .flatMap((a: Record<string, Interval & number>, k: number) =>
          (['precision', 'recall', 'f1'] as const).map(
            (m) =>
              [a[m], a[`${m}Interval`], stored.threshold.around[k]![`${m}Interval`]] as [
                number,
                Interval,
                Interval,
              ],
          ),
        ),
    ];
    for (const [estimate, given, exact] of pairs) {
      expect(given.low).toBeLessThanOrEqual(exact.low);
      expect(given.high).toBeGreaterThanOrEqual(exact.high);
      expect(given.low).toBeLessThanOrEqual(estimate);
      expect(estimate).toBeLessThanOrEqual(given.high);
      for (const end of [given.low, given.high])
        expect(Math.abs(end * 100 - Math.round(end * 100))).toBeLessThan(1e-9);
    }
  });

  it('gives no interval end from which the link count reads back, and suppresses the links themselves', () => {
    const stored = summary();
    const c = control(stored);
    // The smallest whole q for which q·x is whole: a fraction's denominator.
    const denominator = (x: number): number => {
      for (let q = 1; q <= 100_000; q++) if (Math.abs(x * q - Math.round(x * q)) < 1e-9 * q) return q;
      return 0;
    };
    // As stored, the precision interval's low end is (links − 35) / links: it gives the links.
    expect(denominator(stored.threshold.precisionInterval.low)).toBe(LINKS);
    // Given, every end is a multiple of 0.01: its denominator divides 100.
    for (const x of [c.threshold, ...c.threshold.around.slice(0, 2)])
      for (const k of ['precisionInterval', 'recallInterval', 'f1Interval'])
        for (const end of [x[k].low, x[k].high]) expect(100 % denominator(end), `${k} ${end}`).toBe(0);
    expect(JSON.stringify(c)).not.toContain(String((LINKS - 35) / LINKS));
    expect(c.pairs[0].links).toBe(publishRunCount(LINKS));
    expect(c.threshold.around[0].links).toBe(publishRunCount(LINKS));
    // Re-query counts and the model's counts are under the run-count rule (deny by default).
    expect(c.pairs[0].requery).toEqual({ rounds: null, rows: 650, pairsAdded: 1290, seconds: null });
    expect(c.threshold.model.nullSampleAboveFloor).toBe(40);
  });

  it('nulls the intervals of estimates about a suppressed number of links', () => {
    const c = control(summary([LINKS, 630, 5]));
    expect(c.threshold.around[2].links).toBeNull();
    for (const k of ['precisionInterval', 'recallInterval', 'f1Interval'])
      expect(c.threshold.around[2][k], k).toBeNull();
    expect(c.threshold.around[1].precisionInterval).not.toBeNull();
    // The intervals at the threshold are about the around[] entry at the threshold.
    const few = control(summary([6, 5, 3]));
    expect(few.threshold.precisionInterval).toBeNull();
    expect(few.threshold.recallInterval).toBeNull();
    expect(few.threshold.estimatedPrecision).toBe(summary().threshold.estimatedPrecision);
    // An edited summary whose interval is not {low ≤ high} gives null, not the values.
    const odd = summary();
    (odd.threshold as Record<string, unknown>).recallInterval = { low: 0.9, high: 0.1 };
    expect(control(odd).threshold.recallInterval).toBeNull();
  });

  it('leaves summaries written before intervals as they were controlled', () => {
    const old = summary();
    const t = old.threshold as Record<string, unknown>;
    delete t.precisionInterval;
    delete t.recallInterval;
    delete t.f1Interval;
    delete t.basis;
    const c = control(old);
    expect(Object.keys(c.threshold)).not.toContain('precisionInterval');
    expect(c.threshold.estimatedRecall).toBe(1);
  });
});
