import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { keyFileSource } from '../../matching/keys/keyFiles.js';
import { BLOCKING_MODES, LINK_MODES, type LinkOptionsInput } from '../../matching/link/options.js';
import {
  inputName,
  type LinkInput,
  type LinkProgress,
  type LinkRunResult,
  type LinkStage,
  runLink,
} from '../../matching/link/runLink.js';
import { writeLinkOutputs } from '../../matching/output/writeLinkOutputs.js';
import { evaluateRun, type PairEvaluation } from '../../quality/runEvaluation.js';
import { type Progress, progressBar } from '../progress.js';
import { intOption } from './options.js';

interface LinkFlags {
  left?: string;
  right?: string;
  input: string[];
  names?: string;
  repeats?: string;
  output: string;
  keysDir?: string;
  summary?: string;
  scores?: string;
  truth?: string;
  mode: string;
  threshold: string;
  floor?: string;
  lshThreshold?: string;
  blocking: string;
  blockKeys?: string;
  maxBlockPairs?: number;
  topK?: number;
  workers: number;
}

const STAGE_LABEL: Record<LinkStage, string> = {
  load: 'reading encodings',
  block: 'blocking',
  score: 'comparing',
  solve: 'solving',
  keys: 'assigning keys',
};

export function registerLink(program: Command): void {
  program
    .command('link')
    .description('Link encodings files: block, compare, decide links, give every person a linkage key')
    .option('--left <file>', 'encodings NDJSON of the left dataset')
    .option('--right <file>', 'encodings NDJSON of the right dataset (the spine in many-to-one mode)')
    .option(
      '--input <file>',
      'an encodings file (repeat for --mode multi; one for --mode dedup)',
      collect,
      [],
    )
    .option('--names <a,b,...>', 'dataset names for keys and reports (default: file names without .ndjson)')
    .option(
      '--repeats <a,b,...>',
      'datasets (by name) that may hold several records of one person, e.g. hospital episodes: multi puts them under one key; many-to-one allows it on the left only; one-to-one refuses it',
    )
    .requiredOption('--output <file>', 'links CSV to write: left_ref,right_ref,score')
    .option(
      '--keys-dir <dir>',
      'where <dataset>.keys.csv files go; keys already there are kept for the same records (default: beside --output)',
    )
    .option('--summary <file>', 'run summary JSON (default: <output>.summary.json)')
    .option('--scores <file>', 'also write the links at the floor, for `evaluate --scores` sweeps')
    .option(
      '--truth <file>',
      'evaluation mode: ground truth (person_id,dataset,ref or left_ref,right_ref) for real precision, recall and pair completeness',
    )
    .option('--mode <mode>', `${LINK_MODES.join(' | ')}`, 'one-to-one')
    .option(
      '--threshold <auto|x>',
      "Dice threshold, or 'auto' to choose it from the score distribution",
      'auto',
    )
    .option('--floor <x>', 'lowest Dice kept as a candidate (default 0.5)')
    .option('--blocking <mode>', `${BLOCKING_MODES.join(' | ')}`, 'auto')
    .option('--lsh-threshold <x>', 'Dice level LSH blocking keeps with ≥ 99% probability (default 0.75)')
    .option('--block-keys <a,b>', 'keyed block keys to use (default: every key both encodings carry)')
    .option(
      '--max-block-pairs <n>',
      'blocks with more pairs are left out of their pass and reported',
      intOption('--max-block-pairs', 1, Number.MAX_SAFE_INTEGER),
    )
    .option('--top-k <n>', 'best candidates kept per record (default 8)', intOption('--top-k', 1, 1024))
    .option(
      '--workers <n>',
      'worker threads for comparing (0 = main thread)',
      intOption('--workers', 0, 256),
      availableParallelism(),
    )
    .action(async (o: LinkFlags) => {
      const inputs = gatherInputs(o);
      const options: LinkOptionsInput = {
        mode: o.mode as LinkOptionsInput['mode'],
        threshold: parseThreshold(o.threshold, '--threshold'),
        blocking: o.blocking as LinkOptionsInput['blocking'],
        workers: o.workers,
        ...(o.floor !== undefined ? { floor: parseUnit(o.floor, '--floor') } : {}),
        ...(o.lshThreshold !== undefined
          ? { lshThreshold: parseUnit(o.lshThreshold, '--lsh-threshold') }
          : {}),
        ...(o.blockKeys !== undefined ? { blockKeys: o.blockKeys.split(',').map((s) => s.trim()) } : {}),
        ...(o.maxBlockPairs !== undefined ? { maxBlockPairs: o.maxBlockPairs } : {}),
        ...(o.topK !== undefined ? { topK: o.topK } : {}),
      };
      await executeLink({
        inputs,
        options,
        output: o.output,
        keysDir: o.keysDir ?? dirname(o.output),
        ...(o.summary !== undefined ? { summary: o.summary } : {}),
        ...(o.scores !== undefined ? { scores: o.scores } : {}),
        ...(o.truth !== undefined ? { truth: o.truth } : {}),
      });
    });
}

export interface LinkExecution {
  readonly inputs: readonly LinkInput[];
  readonly options: LinkOptionsInput;
  readonly output: string;
  readonly keysDir: string;
  readonly summary?: string;
  readonly scores?: string;
  readonly truth?: string;
}

/** A link run as the CLI does it (also used by `demo`): progress, outputs, a report on stderr. */
export async function executeLink(
  x: LinkExecution,
): Promise<{ result: LinkRunResult; evaluation?: PairEvaluation[] }> {
  let bar: Progress | undefined;
  let barStage: LinkStage | undefined;
  const onProgress = (p: LinkProgress): void => {
    if (p.total <= 0) return;
    if (barStage !== p.stage) {
      bar?.stop();
      bar = progressBar(STAGE_LABEL[p.stage], p.total, p.stage === 'score' ? 'records' : 'items');
      barStage = p.stage;
    }
    bar?.update(p.done);
  };
  // Output folders exist (or are made) before the work, not after.
  for (const d of new Set([
    dirname(x.output),
    x.keysDir,
    ...(x.scores !== undefined ? [dirname(x.scores)] : []),
  ]))
    try {
      mkdirSync(d, { recursive: true });
    } catch (err) {
      throw new CohortlinkError('CL_OUTPUT_UNWRITABLE', `cannot create the output folder ${d}`, [], {
        cause: err,
      });
    }
  try {
    const result = await runLink({
      inputs: x.inputs,
      options: x.options,
      keySource: keyFileSource(x.keysDir),
      onProgress,
    });
    bar?.stop();
    const writeStart = performance.now();
    const evaluation = x.truth !== undefined ? evaluateRun(result, x.truth) : undefined;
    const written = writeLinkOutputs(
      result,
      {
        links: x.output,
        keysDir: x.keysDir,
        summary: x.summary ?? `${x.output.replace(/\.csv$/i, '')}.summary.json`,
        ...(x.scores !== undefined ? { scores: x.scores } : {}),
      },
      evaluation,
    );
    reportRun(result, written, (performance.now() - writeStart) / 1000);
    for (const e of evaluation ?? [])
      process.stderr.write(
        `evaluation ${e.left} × ${e.right}: precision ${e.precision.toFixed(4)}, recall ${e.recall.toFixed(4)}, F1 ${e.f1.toFixed(4)}; blocking pair completeness ${e.pairCompleteness.toFixed(4)} (${e.truePairs.toLocaleString('en-GB')} true pairs)\n`,
      );
    return { result, ...(evaluation !== undefined ? { evaluation } : {}) };
  } finally {
    bar?.stop();
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function gatherInputs(o: LinkFlags): LinkInput[] {
  const paths = [
    ...(o.left !== undefined ? [o.left] : []),
    ...(o.right !== undefined ? [o.right] : []),
    ...o.input,
  ];
  if (paths.length === 0)
    throw new CohortlinkError('CL_USAGE', 'give --left and --right (or --input for dedup/multi)');
  const names = o.names?.split(',').map((s) => s.trim());
  if (names !== undefined && names.length !== paths.length)
    throw new CohortlinkError('CL_USAGE', `--names has ${names.length} names for ${paths.length} inputs`);
  const inputs = paths.map((path, k) => ({ path, ...(names !== undefined ? { name: names[k]! } : {}) }));
  if (o.repeats === undefined) return inputs;
  // --repeats names datasets as they end up named (--names, else the file names).
  const all = inputs.map(inputName);
  const repeats = new Set(o.repeats.split(',').map((s) => s.trim()));
  const unknown = [...repeats].filter((n) => !all.includes(n));
  if (unknown.length > 0)
    throw new CohortlinkError(
      'CL_USAGE',
      `--repeats names ${unknown.map((n) => `'${n.slice(0, 64)}'`).join(', ')}, not among the datasets (${all.join(', ')})`,
    );
  return inputs.map((input, k) => (repeats.has(all[k]!) ? { ...input, repeats: true } : input));
}

function parseUnit(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new CohortlinkError('CL_USAGE', `${flag} must be a number from 0 to 1, got '${v}'`);
  return n;
}

function parseThreshold(v: string, flag: string): number | 'auto' {
  return v === 'auto' ? 'auto' : parseUnit(v, flag);
}

function reportRun(
  result: LinkRunResult,
  written: ReturnType<typeof writeLinkOutputs>,
  writeSeconds: number,
): void {
  const t = result.threshold;
  const n = (x: number): string => x.toLocaleString('en-GB');
  const range = (i: { low: number; high: number }): string => `${i.low.toFixed(4)}–${i.high.toFixed(4)}`;
  // Recall is of the matches the run could see: true pairs blocking proposed that score ≥ the floor.
  const lines = [
    `threshold ${t.threshold.toFixed(3)} (${t.method}); estimated precision ${t.estimatedPrecision.toFixed(4)} (95 % interval ${range(t.precisionInterval)}), recall ${t.estimatedRecall.toFixed(4)} (${range(t.recallInterval)}) of the matches blocking and the floor let through`,
  ];
  if (t.basis === 'all-links')
    lines.push(
      '  the estimates rest on few links (too few links scored clearly above every non-match, so the non-matches were sampled from every link); the intervals show how rough they are',
    );
  for (const p of result.pairs) {
    const l = result.datasets[p.left]!;
    const r = result.datasets[p.right]!;
    lines.push(
      `${l.name}${p.left === p.right ? '' : ` × ${r.name}`}: ${n(p.candidatePairs)} candidate pairs (${p.blocking.mode} blocking, reduction ratio ${(1 - p.candidatePairs / Math.max(1, p.blocking.totalPairs)).toFixed(6)}), ${n(p.comparisons)} compared, ${n(p.links.length)} links`,
    );
  }
  // One-to-one re-scores a record when its top-k cut may change its link: all k taken by other
  // links, or linked at exactly its k-th score (solve/exactOneToOne.ts).
  const topK = result.options.topK;
  for (const p of result.pairs) {
    if (p.requery !== null && p.requery.rows > 0)
      lines.push(
        `  re-queried ${n(p.requery.rows)} record(s) whose ${topK === 1 ? 'best candidate was' : `${n(topK)} best candidates were all`} taken or whose link sat at the cut (${n(p.requery.rounds)} round${p.requery.rounds === 1 ? '' : 's'}, ${n(p.requery.pairsAdded)} pairs added)`,
      );
    const capped = p.blocking.passes.filter((s) => s.cappedBlocks > 0);
    for (const s of capped)
      lines.push(
        `  pass ${s.name}: ${n(s.cappedBlocks)} block(s) over the cap left out (${n(s.cappedPairs)} pairs, ${n(s.cappedRecords)} records); raise --max-block-pairs to compare them`,
      );
    const l = result.datasets[p.left]!.name;
    const r = result.datasets[p.right]!.name;
    const unblocked = (count: number, who: string): void => {
      if (count > 0) lines.push(`  ${n(count)} ${who} in any pass`);
    };
    if (p.left === p.right)
      unblocked(p.blocking.unblockedLeft, `${l} record(s) share a block with no other record`);
    else {
      unblocked(p.blocking.unblockedLeft, `${l} record(s) share a block with no ${r} record`);
      unblocked(p.blocking.unblockedRight, `${r} record(s) share a block with no ${l} record`);
    }
  }
  lines.push(
    `${n(result.clusterCount)} people; keys kept ${n(result.keyStats.kept)}, new ${n(result.keyStats.created)}` +
      (result.keyStats.merged + result.keyStats.split > 0
        ? `, merged ${n(result.keyStats.merged)}, split ${n(result.keyStats.split)}`
        : ''),
  );
  const tm = result.timings;
  lines.push(
    `time: read ${tm.load.toFixed(1)} s, block ${tm.block.toFixed(1)} s, compare ${tm.score.toFixed(1)} s, solve ${tm.solve.toFixed(1)} s, keys ${tm.keys.toFixed(1)} s, write ${writeSeconds.toFixed(1)} s`,
  );
  lines.push(
    `wrote ${written.links}, ${written.keys.join(', ')}, ${written.summary}${written.scores ? `, ${written.scores}` : ''}`,
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}
