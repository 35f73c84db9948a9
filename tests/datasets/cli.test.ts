import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../datasets/config.js';
import { CohortlinkError } from '../../src/errors.js';
import { readCsv, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');

beforeAll(() => {
  // `npm test` builds first; a bare `vitest run` builds only if the command was never compiled.
  if (!existsSync(join(ROOT, 'dist/src/cli/commands/generate.js'))) {
    execFileSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'inherit' });
  }
}, 120_000);

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'generate', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('cohortlink generate (CLI)', () => {
  it('writes every file with consistent row counts and prints a summary', () => {
    const out = tempDir();
    const r = run(['--people', '2000', '--seed', '7', '--out', out]);
    expect(r.stderr).toBe(''); // not a TTY: no progress line
    expect(r.status).toBe(0);
    for (const f of ['spine.csv', 'hospital.csv', 'registry.csv', 'truth.csv', 'corruption.json']) {
      expect(existsSync(join(out, f))).toBe(true);
    }
    const rows = (f: string) => readCsv(join(out, f)).rows.length;
    expect(rows('spine.csv')).toBe(2000);
    expect(rows('hospital.csv')).toBeGreaterThan(1500);
    expect(rows('registry.csv')).toBeGreaterThan(900);
    expect(rows('truth.csv')).toBe(rows('spine.csv') + rows('hospital.csv') + rows('registry.csv'));
    expect(r.stdout).toContain('2,000 spine people');
    expect(r.stdout).toContain(
      `${join(out, 'hospital.csv')}  ${rows('hospital.csv').toLocaleString('en-GB')} rows`,
    );
    expect(readdirPartial(out)).toEqual([]);
  });

  it('honours --datasets, --overlap, --corruption and --heavy-region', () => {
    const out = tempDir();
    const r = run([
      '--people',
      '1000',
      '--seed',
      '3',
      '--out',
      out,
      '--datasets',
      'gp,trial',
      '--overlap',
      '0.9,0.2',
      '--corruption',
      'light',
      '--heavy-region',
      'y63',
    ]);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'corruption.json'), 'utf8'));
    expect(Object.keys(report.datasets)).toEqual(['gp', 'trial']);
    expect(report.datasets.trial.overlap).toBe(0.2);
    expect(report.options).toMatchObject({ corruption: 'light', heavyRegion: 'Y63' });
    expect(readCsv(join(out, 'gp.csv')).header[0]).toBe('gp_ref');
    expect(existsSync(join(out, 'hospital.csv'))).toBe(false);
  });

  it.each([
    [['--people', '-5'], '--people'],
    [['--people', 'lots'], '--people'],
    [['--overlap', '1.5'], '--overlap'],
    [['--overlap', '0.5'], '--overlap'], // two datasets, one rate
    [['--corruption', 'extreme'], '--corruption'],
    [['--heavy-region', 'Y99'], '--heavy-region'],
    [['--seed', '1.5'], '--seed'],
    [['--datasets', 'Hospital'], '--datasets'],
  ])('rejects %j naming the option', (bad, option) => {
    const out = tempDir();
    const args = ['--people', '100', '--seed', '1', '--out', out, ...bad];
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('CL_USAGE');
    expect(r.stderr).toContain(option);
    expect(existsSync(join(out, 'spine.csv'))).toBe(false);
  });

  it('requires --out, --people and --seed', () => {
    expect(run(['--people', '10', '--seed', '1']).status).not.toBe(0);
    const r = run(['--out', tempDir()]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--people');
    expect(r.stderr).toContain('--seed');
  });

  it('reads --config, lets flags override it, and names the JSON path of a bad value', () => {
    const dir = tempDir();
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        people: 500,
        seed: 5,
        duplicateRate: 0.05,
        datasets: [{ name: 'hes', format: 'hospital', overlap: 0.7, rates: { nhsMissing: 0.3, moved: 0 } }],
      }),
    );
    const out = join(dir, 'out');
    const r = run(['--config', good, '--out', out, '--people', '600']);
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'corruption.json'), 'utf8'));
    expect(report.people).toBe(600);
    expect(report.datasets.hes).toMatchObject({ format: 'hospital', overlap: 0.7 });
    expect(report.datasets.hes.rates).toMatchObject({ nhsMissing: 0.3, moved: 0, nickname: 0.05 });
    expect(report.datasets.hes.counts.moved).toBe(0);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ datasets: [{ name: 'hes', overlap: 2, rates: { typo: 0.1 } }] }));
    const b = run(['--config', bad, '--out', join(dir, 'x'), '--people', '10', '--seed', '1']);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('datasets[0].overlap');
    expect(b.stderr).toContain('datasets[0].rates');

    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ people: ');
    expect(run(['--config', notJson, '--out', join(dir, 'y')]).stderr).toContain('not valid JSON');
    expect(run(['--config', join(dir, 'missing.json'), '--out', join(dir, 'z')]).stderr).toContain(
      'CL_FILE_UNREADABLE',
    );
  });
});

describe('resolveOptions (programmatic API)', () => {
  it('throws a typed error listing every problem with its path', () => {
    try {
      resolveOptions({
        people: 0,
        seed: -1,
        outDir: '',
        datasets: [{ name: 'spine' }, { name: 'a', overlap: -1 }],
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CohortlinkError);
      const paths = (e as CohortlinkError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['people', 'seed', 'outDir', 'datasets[0].name', 'datasets[1].overlap']),
      );
    }
  });

  it('scales rates by preset and applies heavy rates only to the heavy region', () => {
    const o = resolveOptions({ people: 1, seed: 1, outDir: 'x', corruption: 'light', heavyRegion: 'Y56' });
    const h = o.datasets[0]!;
    expect(h.rates.nhsMissing).toBeCloseTo(0.08);
    expect(h.heavyRates!.nhsMissing).toBeCloseTo(0.5);
    expect(o.datasets.map((d) => [d.name, d.overlap])).toEqual([
      ['hospital', 0.8],
      ['registry', 0.5],
    ]);
  });
});

function readdirPartial(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.partial'));
}
