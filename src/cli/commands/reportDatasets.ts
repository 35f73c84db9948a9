import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { frequenciesFromCsv, generatorFrequencies } from '../../reports/attacks/publicFrequencies.js';
import { buildDatasetQualityReport, type EncodingsSource } from '../../reports/datasetQuality.js';
import { renderDatasetQualityHtml } from '../../reports/datasetQualityHtml.js';
import { buildPrivacyRiskReport } from '../../reports/privacyRisk.js';
import { renderPrivacyRiskHtml } from '../../reports/privacyRiskHtml.js';
import { type Progress, progressBar } from '../progress.js';
import { checkReportOutputs, writeReportOutputs } from './reportOutputs.js';

/**
 * `cohortlink report dataset` (data quality of one encodings file, compared with the project's
 * others) and `cohortlink report privacy` (privacy risk of a project's encodings). Both read
 * encodings files as written by `cohortlink encode` and write the report model as JSON and/or a
 * self-contained HTML page, together or not at all.
 */

export interface DatasetFlags {
  encodings: string;
  compare: string[];
  json?: string;
  html?: string;
}

export interface PrivacyFlags {
  encodings: string[];
  projectName: string;
  json?: string;
  html?: string;
  /** `value,count` CSV of public name frequencies for the simulated attack. */
  frequencies?: string;
  /** commander's --no-attack. */
  attack?: boolean;
}

export function registerReportDatasets(report: Command): void {
  report
    .command('dataset')
    .description('Data-quality report of one encodings file, compared with the other datasets of its project')
    .requiredOption('--encodings <file>', 'encodings NDJSON written by cohortlink encode')
    .option(
      '--compare <files...>',
      "the project's other encodings files (only their header and summary lines are read)",
      [],
    )
    .option('--json <file>', 'report model JSON to write')
    .option('--html <file>', 'self-contained HTML page to write')
    .action(async (o: DatasetFlags) => {
      const { flags, dataset, written } = await reportDataset(o);
      process.stderr.write(`${flags} flag(s) for ${dataset}; wrote ${written.join(', ')}\n`);
    });

  report
    .command('privacy')
    .description(
      "Privacy-risk report of a project's encodings: bit usage, uniqueness, hardening, recommendations",
    )
    .requiredOption('--encodings <files...>', "the project's encodings files (each read in full)")
    .option('--project-name <name>', 'project name shown in the report', 'project')
    .option('--json <file>', 'report model JSON to write')
    .option('--html <file>', 'self-contained HTML page to write')
    .option(
      '--frequencies <csv>',
      'public name frequencies (value,count) for the simulated attack (default: the generator’s UK name model)',
    )
    .option(
      '--no-attack',
      'skip the simulated pattern-mining attack (the verdict then rests on rules of thumb)',
    )
    .action(async (o: PrivacyFlags) => {
      const { level, written } = await reportPrivacy(o);
      process.stderr.write(`overall privacy risk ${level}; wrote ${written.join(', ')}\n`);
    });
}

/** The work of `report dataset` (the demo calls it too). */
export async function reportDataset(
  o: DatasetFlags,
): Promise<{ flags: number; dataset: string; written: string[] }> {
  checkReportOutputs(o);
  const [dataset, ...others] = sources([o.encodings, ...o.compare]);
  const bar = fileProgress([dataset!.path], 'reading');
  let model: Awaited<ReturnType<typeof buildDatasetQualityReport>>;
  try {
    model = await buildDatasetQualityReport(dataset!, others, { onProgress: (b) => bar.update(0, b) });
  } finally {
    bar.stop();
  }
  return {
    flags: model.flags.length,
    dataset: model.dataset.name,
    written: writeReportOutputs(o, model, () => renderDatasetQualityHtml(model)),
  };
}

/** The work of `report privacy` (the demo calls it too). */
export async function reportPrivacy(o: PrivacyFlags): Promise<{ level: string; written: string[] }> {
  checkReportOutputs(o);
  const datasets = sources(o.encodings);
  const bar = fileProgress(
    datasets.map((d) => d.path),
    'reading',
  );
  let model: Awaited<ReturnType<typeof buildPrivacyRiskReport>>;
  try {
    model = await buildPrivacyRiskReport({ name: o.projectName }, datasets, {
      onProgress: (k, b) => bar.update(k, b),
      ...(o.attack === false
        ? {}
        : {
            attack: {
              frequencies:
                o.frequencies === undefined ? generatorFrequencies() : frequenciesFromCsv(o.frequencies),
            },
          }),
    });
  } finally {
    bar.stop();
  }
  return { level: model.level, written: writeReportOutputs(o, model, () => renderPrivacyRiskHtml(model)) };
}

/** Each file named after its base name without `.ndjson`, as `cohortlink link` names datasets. */
function sources(paths: readonly string[]): EncodingsSource[] {
  const seen = new Map<string, string>();
  return paths.map((path) => {
    const name = basename(path).replace(/\.ndjson$/i, '');
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new CohortlinkError(
        'CL_USAGE',
        earlier === path
          ? `${path} is given twice`
          : `${earlier} and ${path} would both be called dataset '${name}'; rename one of them`,
      );
    seen.set(name, path);
    return { name, path };
  });
}

/** One bar over the bytes of every file; `update(k, b)`: b bytes of file k read. */
function fileProgress(
  paths: readonly string[],
  label: string,
): { update(k: number, b: number): void; stop(): void } {
  const sizes = paths.map((p) => {
    try {
      return statSync(p).size;
    } catch {
      return 0; // the reader reports the unreadable file
    }
  });
  const before = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  let bar: Progress | undefined;
  return {
    update(k, b) {
      bar ??= progressBar(label, total, 'bytes');
      bar.update(
        before[k]! + b,
        `file ${k + 1} of ${paths.length}, ${Math.round((before[k]! + b) / 1e6)} MB`,
      );
    },
    stop() {
      bar?.stop();
    },
  };
}
