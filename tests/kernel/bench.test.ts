/**
 * The benchmark's own agreement check, at small sizes: the WASM and TS kernels and the C
 * yardstick (when gcc is there) make the same comparisons and find the same pairs. Also runs the
 * compiled bench from dist/, as `npm run bench:kernel` does.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchKernel } from '../../bench/kernel.js';
import { PROJECT_ROOT } from '../helpers/paths.js';

const hasGcc = spawnSync('gcc', ['--version']).status === 0;

describe('the kernel benchmark', () => {
  it.each([512, 1024, 2048, 192])('agrees across implementations on %i-bit filters', async (bits) => {
    const r = await benchKernel({ nA: 30, nB: 300, bits, threshold: 0.4, repeats: 1 });
    expect(r.agree, JSON.stringify(r.rows)).toBe(true);
    expect(r.rows[0]!.pairsFound).toBeGreaterThan(0);
    const names = r.rows.map((x) => x.name);
    expect(names.slice(0, 2)).toEqual(['wasm', 'ts']);
    if (hasGcc) {
      expect(names).toContain('c-scalar');
      expect(r.ratios.wasmToCScalar).toBeGreaterThan(0);
      if (bits % 512 !== 0) expect(r.notes.join('\n')).toMatch(/c-avx512 skipped/);
    } else expect(r.notes.join('\n')).toMatch(/gcc not found/);
  });

  it('runs compiled from dist/', () => {
    const run = spawnSync(
      process.execPath,
      [
        resolve(PROJECT_ROOT, 'dist/bench/kernel-run.js'),
        '--a',
        '20',
        '--b',
        '200',
        '--repeats',
        '1',
        '--no-native',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/All implementations agree/);
  });
});
