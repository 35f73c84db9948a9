import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { PROJECT_ROOT, SHARED_DIR } from '../helpers/paths.js';

/**
 * The quality floors measured the way a user would: encode with the CLI, `link
 * --threshold auto` (the default), `evaluate` against the labels. FEBRL4 4a vs 4b (soc_sec_id
 * not encoded) F1 ≥ 0.999; NCVR party 0 vs 1 F1 ≥ 0.977 (anonlink: 0.9766 with the best
 * threshold chosen in hindsight). Data is read from ../shared/datasets, never copied.
 */
let dir: string;
beforeAll(() => {
  dir = tempDir('cohortlink-quality-');
  writeFileSync(join(dir, 'secret'), 'quality floors through the CLI');
});

function encode(schema: string, input: string, output: string, ...extra: string[]): void {
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
    ...extra,
  ]);
  expect(r.status, r.stderr).toBe(0);
}

function linkAndEvaluate(
  left: string,
  right: string,
  truthPairs: string[][],
): { f1: number; estimated: number } {
  const links = join(dir, `${left}-${right}.csv`);
  const r = runCli([
    'link',
    '--left',
    join(dir, left),
    '--right',
    join(dir, right),
    '--output',
    links,
    '--workers',
    '1',
  ]);
  expect(r.status, r.stderr).toBe(0);
  const truth = join(dir, `${left}-truth.csv`);
  writeFileSync(truth, `left_ref,right_ref\n${truthPairs.map((p) => p.join(',')).join('\n')}\n`);
  const e = runCli(['evaluate', '--links', links, '--truth', truth, '--json']);
  expect(e.status, e.stderr).toBe(0);
  const summary = JSON.parse(readFileSync(links.replace(/\.csv$/, '.summary.json'), 'utf8'));
  expect(summary.threshold.method).not.toBe('fixed');
  return { f1: JSON.parse(e.stdout).links.f1, estimated: summary.threshold.estimatedF1 };
}

function refs(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',')[0]!.trim());
}

describe('quality floors through encode → link --threshold auto → evaluate', () => {
  it('FEBRL4 4a vs 4b: F1 ≥ 0.999', () => {
    const base = join(SHARED_DIR, 'datasets', 'febrl4');
    encode('febrl4.json', join(base, 'dataset4a.csv'), 'febrl-a.ndjson', '--trim', '--ref-column', 'rec_id');
    encode('febrl4.json', join(base, 'dataset4b.csv'), 'febrl-b.ndjson', '--trim', '--ref-column', 'rec_id');
    const truth = Array.from({ length: 5000 }, (_, n) => [`rec-${n}-org`, `rec-${n}-dup-0`]);
    const { f1, estimated } = linkAndEvaluate('febrl-a.ndjson', 'febrl-b.ndjson', truth);
    expect(f1).toBeGreaterThanOrEqual(0.999);
    expect(Math.abs(estimated - f1)).toBeLessThanOrEqual(0.03);
  });

  it('NCVR party 0 vs party 1: F1 ≥ 0.977', () => {
    const file = (p: number) =>
      join(SHARED_DIR, 'datasets', 'ncvr', `ncvr_numrec_5000_modrec_2_ocp_20_myp_${p}_nump_10.csv`);
    encode('ncvr.json', file(0), 'ncvr-0.ndjson', '--ref-column', 'recid');
    encode('ncvr.json', file(1), 'ncvr-1.ndjson', '--ref-column', 'recid');
    const party0 = new Set(refs(file(0)));
    const truth = refs(file(1))
      .filter((r) => party0.has(r))
      .map((r) => [r, r]);
    expect(truth.length).toBe(1224);
    const { f1, estimated } = linkAndEvaluate('ncvr-0.ndjson', 'ncvr-1.ndjson', truth);
    expect(f1).toBeGreaterThanOrEqual(0.977);
    expect(Math.abs(estimated - f1)).toBeLessThanOrEqual(0.03);
  });
});
