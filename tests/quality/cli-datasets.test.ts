import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LinkageReport } from '../../src/reports/linkageReport.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

/**
 * The quality floors measured the way a user would: encode with the CLI, `link
 * --threshold auto` (the default), `evaluate` against the labels, `report run` of the run.
 * FEBRL4 4a vs 4b (soc_sec_id not encoded) F1 ≥ 0.999; NCVR party 0 vs 1 F1 ≥ 0.977 (anonlink:
 * 0.9784 with the best threshold chosen in hindsight). Data and truth are the public tasks in
 * datasets/tasks/.
 */
const TASKS = join(PROJECT_ROOT, 'datasets', 'tasks');
let dir: string;
beforeAll(() => {
  dir = tempDir('cohortlink-quality-');
  writeFileSync(join(dir, 'secret'), 'quality floors through the CLI');
});

function encode(schema: string, input: string, output: string): void {
  const r = runCli([
    'encode',
    '--schema',
    join(PROJECT_ROOT, 'bench', 'schemas', schema),
    '--secret-file',
    join(dir, 'secret'),
    '--input',
    input,
    '--output',
    join(dir, output),
    '--workers',
    '0',
  ]);
  expect(r.status, r.stderr).toBe(0);
}

interface Measured {
  /** F1 of `cohortlink evaluate` on the links file. */
  readonly f1: number;
  /** The threshold model's F1 estimate, from the run summary. */
  readonly estimated: number;
  /** `cohortlink report run` of the evaluated run (link --truth). */
  readonly report: LinkageReport;
  readonly evaluated: { precision: number; recall: number };
}

/** link (evaluation mode: --truth) → evaluate → report run, as a user would. */
function linkAndEvaluate(left: string, right: string, truth: string): Measured {
  const links = join(dir, `${left}-${right}.csv`);
  const r = runCli([
    'link',
    '--left',
    join(dir, left),
    '--right',
    join(dir, right),
    '--output',
    links,
    '--scores',
    links.replace(/\.csv$/, '.floor.csv'),
    '--truth',
    truth,
    '--workers',
    '1',
  ]);
  expect(r.status, r.stderr).toBe(0);
  const e = runCli(['evaluate', '--links', links, '--truth', truth, '--json']);
  expect(e.status, e.stderr).toBe(0);
  const summaryPath = links.replace(/\.csv$/, '.summary.json');
  const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
  expect(summary.threshold.method).not.toBe('fixed');
  const reportPath = links.replace(/\.csv$/, '.report.json');
  const rep = runCli([
    'report',
    'run',
    '--summary',
    summaryPath,
    '--scores',
    links.replace(/\.csv$/, '.floor.csv'),
    '--json',
    reportPath,
  ]);
  expect(rep.status, rep.stderr).toBe(0);
  const evaluated = JSON.parse(e.stdout).links;
  return {
    f1: evaluated.f1,
    estimated: summary.threshold.estimatedF1,
    report: JSON.parse(readFileSync(reportPath, 'utf8')),
    evaluated,
  };
}

/**
 * Issue 6, "Done when": the report's real precision and recall are evaluate's (within 0.01), and
 * its estimates — made without the truth — are within 0.03 of them.
 */
function expectReportQuality(m: Measured): void {
  const real = m.report.evaluation![0]!;
  const est = m.report.threshold.estimated;
  expect(Math.abs(real.precision - m.evaluated.precision)).toBeLessThanOrEqual(0.01);
  expect(Math.abs(real.recall - m.evaluated.recall)).toBeLessThanOrEqual(0.01);
  expect(Math.abs(est.precision - real.precision)).toBeLessThanOrEqual(0.03);
  expect(Math.abs(est.recall - real.recall)).toBeLessThanOrEqual(0.03);
  expect(real.curve!.length).toBeGreaterThan(10);
  // The best of the 0.01 grid; the run's own threshold lies between grid points and may beat it.
  expect(real.bestF1!.f1).toBeGreaterThanOrEqual(real.f1 - 0.01);
}

/** Data rows of a CSV file. */
function rowCount(path: string): number {
  return (
    readFileSync(path, 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '').length - 1
  );
}

describe('quality floors through encode → link --threshold auto → evaluate', () => {
  it('FEBRL4 4a vs 4b: F1 ≥ 0.999', () => {
    const task = join(TASKS, 'febrl4');
    encode('febrl4.json', join(task, 'a.csv'), 'febrl-a.ndjson');
    encode('febrl4.json', join(task, 'b.csv'), 'febrl-b.ndjson');
    expect(rowCount(join(task, 'truth.csv'))).toBe(5000);
    const m = linkAndEvaluate('febrl-a.ndjson', 'febrl-b.ndjson', join(task, 'truth.csv'));
    expect(m.f1).toBeGreaterThanOrEqual(0.999);
    expect(Math.abs(m.estimated - m.f1)).toBeLessThanOrEqual(0.03);
    expectReportQuality(m);
  });

  it('NCVR party 0 vs party 1: F1 ≥ 0.977', () => {
    const task = join(TASKS, 'ncvr-p0p1');
    encode('ncvr.json', join(task, 'a.csv'), 'ncvr-0.ndjson');
    encode('ncvr.json', join(task, 'b.csv'), 'ncvr-1.ndjson');
    expect(rowCount(join(task, 'truth.csv'))).toBe(1224);
    const m = linkAndEvaluate('ncvr-0.ndjson', 'ncvr-1.ndjson', join(task, 'truth.csv'));
    expect(m.f1).toBeGreaterThanOrEqual(0.977);
    expect(Math.abs(m.estimated - m.f1)).toBeLessThanOrEqual(0.03);
    expectReportQuality(m);
  });
});
