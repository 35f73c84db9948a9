import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePopulation } from '../datasets/generate.js';
import { benchEncoding } from './encode.js';
import { benchHardening } from './hardening.js';
import { benchKernel, printKernelResult } from './kernel.js';
import { benchLink, printLinkResult } from './link.js';

/** `npm run bench`: every benchmark, one table. Options: --people N (spine size for pool runs). */
const args = process.argv.slice(2);
const people = Number(args[args.indexOf('--people') + 1] ?? 0) || 200_000;
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const tasksDir = join(root, 'datasets', 'tasks');

const tmp = mkdtempSync(join(tmpdir(), 'cohortlink-bench-'));
try {
  process.stderr.write(`generating ${people.toLocaleString('en-GB')} people for the benchmarks...\n`);
  const gen = await generatePopulation({ people, seed: 20261125, outDir: tmp });
  const spine = gen.files.find((f) => f.name === 'spine')!;
  const hospital = gen.files.find((f) => f.name === 'hospital')!;
  const rows = await benchEncoding({
    tasksDir,
    spineCsv: spine.file,
    hospitalCsv: hospital.file,
    spineRows: spine.rows,
    tmpDir: tmp,
  });
  console.log(`\nEncoding throughput (node ${process.version}, ${rows.length} benchmarks)`);
  console.table(
    rows.map((r) => ({
      benchmark: r.name,
      records: r.records,
      'mean (ms)': Number(r.meanMs.toFixed(1)),
      '± (%)': Number(r.rme.toFixed(1)),
      'records/s': Math.round(r.recordsPerSecond),
    })),
  );
  printKernelResult(await benchKernel({}));
  const truth = gen.files.find((f) => f.name === 'truth')!;
  printLinkResult(
    await benchLink({ dir: tmp, leftCsv: hospital.file, spineCsv: spine.file, truthCsv: truth.file }),
  );
  const hardening = benchHardening(tmp);
  console.log(
    '\nCost of hardening to linkage quality (hospital vs the first 3,000 spine people, all pairs, no blocking)',
  );
  console.table(
    hardening.map((r) => ({
      hardening: r.variant,
      'best match is true (%)': Number((100 * r.top1Accuracy).toFixed(2)),
      'true Dice, 1st pct': Number(r.trueDiceP01.toFixed(3)),
      'true Dice, median': Number(r.trueDiceMedian.toFixed(3)),
      'best non-match, 99th pct': Number(r.bestNonMatchP99.toFixed(3)),
    })),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
