import { join } from 'node:path';
import { encodeFile } from '../src/encoding/encodeFile.js';
import { PRESETS } from '../src/encoding/schema/presets.js';
import { runLink } from '../src/matching/link/runLink.js';
import { closeScorePool } from '../src/matching/score/index.js';
import { evaluateRun } from '../src/quality/runEvaluation.js';

/**
 * End-to-end linkage of generated data: a derived dataset linked many-to-one to the spine
 * (encoded beforehand, as data holders would), with the automatic threshold, on 1 and 2
 * worker threads. Reports wall time per stage, comparisons per second and quality against
 * the generator's truth.
 */
export interface LinkBenchInput {
  readonly dir: string;
  readonly leftCsv: string;
  readonly spineCsv: string;
  readonly truthCsv: string;
  readonly workers?: readonly number[];
}

export interface LinkBenchRow {
  readonly workers: number;
  readonly records: string;
  readonly seconds: number;
  readonly stages: Record<string, number>;
  readonly comparisons: number;
  readonly comparisonsPerSecond: number;
  readonly f1: number;
  readonly pairCompleteness: number;
  readonly threshold: number;
}

export async function benchLink(input: LinkBenchInput): Promise<LinkBenchRow[]> {
  const secret = new TextEncoder().encode('cohortlink link benchmark secret');
  const encoded: string[] = [];
  for (const [name, csv] of [
    ['left', input.leftCsv],
    ['spine', input.spineCsv],
  ] as const) {
    const output = join(input.dir, `${name}.bench.ndjson`);
    await encodeFile({
      schema: PRESETS.uk,
      secret,
      input: csv,
      output,
      workers: 2,
      maxRejects: Number.MAX_SAFE_INTEGER,
    });
    encoded.push(output);
  }
  const rows: LinkBenchRow[] = [];
  for (const workers of input.workers ?? [1, 2]) {
    const started = performance.now();
    const result = await runLink({
      inputs: [
        { path: encoded[0]!, name: 'hospital' },
        { path: encoded[1]!, name: 'spine' },
      ],
      options: { mode: 'many-to-one', workers },
    });
    const seconds = (performance.now() - started) / 1000;
    const e = evaluateRun(result, input.truthCsv)[0]!;
    const pair = result.pairs[0]!;
    rows.push({
      workers,
      records: `${result.datasets[0]!.store.count.toLocaleString('en-GB')} × ${result.datasets[1]!.store.count.toLocaleString('en-GB')}`,
      seconds,
      stages: { ...result.timings },
      comparisons: pair.comparisons,
      comparisonsPerSecond: pair.comparisons / Math.max(result.timings.score, 1e-9),
      f1: e.f1,
      pairCompleteness: e.pairCompleteness,
      threshold: result.threshold.threshold,
    });
  }
  await closeScorePool();
  return rows;
}

export function printLinkResult(rows: readonly LinkBenchRow[]): void {
  console.log(
    '\nEnd-to-end linkage (hospital → spine, many-to-one, automatic threshold; outputs not written)',
  );
  console.table(
    rows.map((r) => ({
      workers: r.workers,
      records: r.records,
      'total (s)': Number(r.seconds.toFixed(2)),
      'read (s)': Number(r.stages.load!.toFixed(2)),
      'block (s)': Number(r.stages.block!.toFixed(2)),
      'compare (s)': Number(r.stages.score!.toFixed(2)),
      'solve (s)': Number(r.stages.solve!.toFixed(2)),
      'keys (s)': Number(r.stages.keys!.toFixed(2)),
      'M comparisons/s': Number((r.comparisonsPerSecond / 1e6).toFixed(1)),
      threshold: Number(r.threshold.toFixed(3)),
      F1: Number(r.f1.toFixed(4)),
      'pair completeness': Number(r.pairCompleteness.toFixed(4)),
    })),
  );
  const one = rows.find((r) => r.workers === 1);
  const two = rows.find((r) => r.workers === 2);
  if (one && two)
    console.log(
      `compare stage, 2 workers vs 1: ${(one.stages.score! / two.stages.score!).toFixed(2)}× faster`,
    );
}
