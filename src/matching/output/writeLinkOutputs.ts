/**
 * Writes a finished run for the CLI: links CSV, one linkage-key CSV per input (which the next
 * run reads back to keep keys), the run summary JSON and optionally the links at the floor (for
 * threshold sweeps). All files replace the previous run's together or not at all, also across a
 * crash: the set is committed through a journal in the keys folder (atomicFiles.ts), which the
 * keys readers settle before reading (keyFiles.ts).
 */
import { keyFilePath } from '../keys/keyFiles.js';
import type { LinkRunResult } from '../link/runLink.js';
import { runSummary } from '../link/summary.js';
import type { Links } from '../solve/types.js';
import { AtomicFileSet, csvField } from './atomicFiles.js';
import type { FsOps } from './fsOps.js';

export interface LinkOutputPaths {
  readonly links: string;
  readonly keysDir: string;
  readonly summary: string;
  readonly scores?: string;
}

export interface WrittenOutputs {
  readonly links: string;
  readonly keys: readonly string[];
  readonly summary: string;
  readonly scores?: string;
}

export function writeLinkOutputs(
  result: LinkRunResult,
  paths: LinkOutputPaths,
  /** Evaluation against ground truth, when the run had any: added to the summary. */
  evaluation?: unknown,
  /** File-system operations (tests fail each step of the commit); default the real ones. */
  fs?: FsOps,
): WrittenOutputs {
  const files = new AtomicFileSet({ journalDir: paths.keysDir, ...(fs !== undefined ? { fs } : {}) });
  try {
    const multi = result.options.mode === 'multi';
    const links = files.open(paths.links);
    links.write(
      multi ? 'left_dataset,left_ref,right_dataset,right_ref,score\n' : 'left_ref,right_ref,score\n',
    );
    for (const pair of result.pairs) writeLinks(links, result, pair.left, pair.right, pair.links, multi);

    const keyPaths: string[] = [];
    result.datasets.forEach((d, k) => {
      const path = keyFilePath(paths.keysDir, d.name);
      keyPaths.push(path);
      const f = files.open(path);
      f.write('ref,linkage_key\n');
      const clusters = result.clusterOf[k]!;
      for (let r = 0; r < d.refs.length; r++)
        f.write(`${csvField(d.refs[r]!)},${result.clusterKey[clusters[r]!]}\n`);
    });

    if (paths.scores !== undefined) {
      const f = files.open(paths.scores);
      f.write(multi ? 'left_dataset,left_ref,right_dataset,right_ref,score\n' : 'left_ref,right_ref,score\n');
      for (const pair of result.pairs) writeLinks(f, result, pair.left, pair.right, pair.linksAtFloor, multi);
    }

    const summary = files.open(paths.summary);
    summary.write(
      `${JSON.stringify({ ...runSummary(result), ...(evaluation !== undefined ? { evaluation } : {}) }, null, 2)}\n`,
    );

    files.commit();
    return {
      links: paths.links,
      keys: keyPaths,
      summary: paths.summary,
      ...(paths.scores !== undefined ? { scores: paths.scores } : {}),
    };
  } catch (err) {
    files.abort();
    throw err;
  }
}

function writeLinks(
  out: { write(s: string): void },
  result: LinkRunResult,
  a: number,
  b: number,
  links: Links,
  multi: boolean,
): void {
  const L = result.datasets[a]!;
  const R = result.datasets[b]!;
  const prefixL = multi ? `${csvField(L.name)},` : '';
  const prefixR = multi ? `${csvField(R.name)},` : '';
  for (let k = 0; k < links.length; k++)
    out.write(
      `${prefixL}${csvField(L.refs[links.left[k]!]!)},${prefixR}${csvField(R.refs[links.right[k]!]!)},${links.score[k]}\n`,
    );
}
