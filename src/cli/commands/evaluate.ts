import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { type Confusion, evaluateLinks, indexTruth, sweep } from '../../quality/evaluate.js';
import { type LinksFile, readLinksFile } from '../../quality/linksFile.js';
import { readTruthLong, readTruthPairs, type TruthPairs } from '../../quality/truth.js';

interface EvaluateFlags {
  links: string;
  truth: string;
  leftDataset?: string;
  rightDataset?: string;
  scores?: string;
  json: boolean;
}

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description('Precision, recall and F1 of a links file against ground truth (synthetic or labelled data)')
    .requiredOption('--links <file>', 'links CSV from cohortlink link (left_ref,right_ref,score)')
    .requiredOption(
      '--truth <file>',
      'ground truth: person_id,dataset,ref (what cohortlink generate writes) or left_ref,right_ref pairs',
    )
    .option(
      '--left-dataset <name>',
      'left dataset name in a person_id,dataset,ref truth file (default: from the run summary)',
    )
    .option(
      '--right-dataset <name>',
      'right dataset name in a person_id,dataset,ref truth file (default: from the run summary)',
    )
    .option('--scores <file>', 'links at the floor (link --scores): also sweep the threshold')
    .option('--json', 'print JSON instead of text', false)
    .action((o: EvaluateFlags) => {
      const links = readLinksFile(o.links);
      const truth = readTruth(o);
      const result: { links: Confusion; sweep?: Confusion[]; bestThreshold?: Confusion } = {
        links: evaluate(links, truth),
      };
      if (o.scores !== undefined) {
        const atFloor = readLinksFile(o.scores);
        const index = indexTruth(truth, ...universe(atFloor, truth));
        let floor = 1;
        for (let k = 0; k < atFloor.length; k++) floor = Math.min(floor, atFloor.score[k]!);
        const thresholds: number[] = [];
        for (let t = Math.floor(floor * 100) / 100; t <= 1.0000001; t += 0.01)
          thresholds.push(Number(t.toFixed(2)));
        result.sweep = sweep(atFloor, index, thresholds);
        result.bestThreshold = result.sweep.reduce((a, b) => (b.f1 > a.f1 ? b : a));
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const c = result.links;
      process.stdout.write(
        `precision ${c.precision.toFixed(4)}  recall ${c.recall.toFixed(4)}  F1 ${c.f1.toFixed(4)}  ` +
          `(links ${c.links}, true ${c.truePositives}, false ${c.falsePositives}, missed ${c.falseNegatives})\n`,
      );
      if (result.sweep !== undefined) {
        process.stdout.write('threshold  precision  recall  F1\n');
        for (const s of result.sweep)
          process.stdout.write(
            `${s.threshold.toFixed(2).padStart(9)}  ${s.precision.toFixed(4).padStart(9)}  ${s.recall.toFixed(4)}  ${s.f1.toFixed(4)}${s === result.bestThreshold ? '  ← best in hindsight' : ''}\n`,
          );
      }
    });
}

function evaluate(links: LinksFile, truth: TruthPairs): Confusion {
  return evaluateLinks(links, indexTruth(truth, ...universe(links, truth)));
}

/** Every record the links or the truth name, links' records first so link indices stay valid. */
function universe(links: LinksFile, truth: TruthPairs): [string[], string[]] {
  const extend = (refs: readonly string[], more: readonly string[]): string[] => {
    const seen = new Set(refs);
    const out = [...refs];
    for (const r of more)
      if (!seen.has(r)) {
        seen.add(r);
        out.push(r);
      }
    return out;
  };
  return [extend(links.leftRefs, truth.left), extend(links.rightRefs, truth.right)];
}

function readTruth(o: EvaluateFlags): TruthPairs {
  let header: string;
  try {
    header = readFileSync(o.truth, 'utf8').slice(0, 200).split(/\r?\n/, 1)[0]!;
  } catch (err) {
    throw new CohortlinkError('CL_FILE_UNREADABLE', `cannot read truth ${o.truth}`, [], { cause: err });
  }
  if (header.startsWith('left_ref,right_ref')) return readTruthPairs(o.truth);
  let left = o.leftDataset;
  let right = o.rightDataset;
  const summaryPath = `${o.links.replace(/\.csv$/i, '')}.summary.json`;
  if ((left === undefined || right === undefined) && existsSync(summaryPath)) {
    const inputs = (JSON.parse(readFileSync(summaryPath, 'utf8')) as { inputs?: { name: string }[] }).inputs;
    left ??= inputs?.[0]?.name;
    right ??= inputs?.[1]?.name;
  }
  if (left === undefined || right === undefined)
    throw new CohortlinkError(
      'CL_USAGE',
      'name the datasets: --left-dataset and --right-dataset (no run summary found beside the links file)',
    );
  return readTruthLong(o.truth, left, right);
}
