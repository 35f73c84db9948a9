import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePopulation } from '../datasets/generate.js';
import { benchLink, printLinkResult } from './link.js';

/** `npm run bench:link [-- --people N]`: the end-to-end linkage table on its own. */
const args = process.argv.slice(2);
const people = Number(args[args.indexOf('--people') + 1] ?? 0) || 200_000;
const tmp = mkdtempSync(join(tmpdir(), 'cohortlink-bench-link-'));
try {
  const gen = await generatePopulation({ people, seed: 20261125, outDir: tmp });
  const file = (name: string) => gen.files.find((f) => f.name === name)!.file;
  printLinkResult(
    await benchLink({
      dir: tmp,
      leftCsv: file('hospital'),
      spineCsv: file('spine'),
      truthCsv: file('truth'),
    }),
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
