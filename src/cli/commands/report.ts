import { join } from 'node:path';
import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { readFloorScores } from '../../reports/floorScores.js';
import { renderLinkageReportHtml } from '../../reports/linkageHtml.js';
import { buildLinkageReport, readRunSummaryJson } from '../../reports/linkageReport.js';
import { parseRunSummary } from '../../reports/runSummarySchema.js';
import { parseAsOf, SUBGROUP_DEFAULTS } from '../../reports/subgroupStats.js';
import { type SubgroupSection, type SubgroupSource, subgroupLinkRates } from '../../reports/subgroups.js';
import { runReportFromStore } from '../../server/reports/runReportFromStore.js';
import { registerReportDatasets } from './reportDatasets.js';
import { checkReportOutputs, writeReportOutputs } from './reportOutputs.js';

export interface ReportRunFlags {
  summary?: string;
  db?: string;
  scores?: string;
  keysDir?: string;
  attributes: string[];
  asOf?: string;
  minDifference?: string;
  minZ?: string;
  json?: string;
  html?: string;
}

/** `cohortlink report …`: governance reports for reviewers. */
export function registerReport(program: Command): void {
  const report = program.command('report').description('Governance reports for reviewers');
  registerReportRun(report);
  registerReportDatasets(report);
}

/** `cohortlink report run`: the linkage-quality report of a finished run, as JSON and/or HTML. */
function registerReportRun(report: Command): void {
  report
    .command('run [runId]')
    .description(
      'Linkage-quality report of a link run: a service run by id (with --db), or a CLI run from its summary JSON (and its --scores file)',
    )
    .option('--db <file>', "the service's SQLite database, for a run given by id")
    .option('--summary <file>', 'run summary JSON written by cohortlink link')
    .option('--scores <file>', 'links at the floor (cohortlink link --scores) for the score histogram')
    .option('--keys-dir <dir>', "the run's <dataset>.keys.csv files (for --attributes)")
    .option(
      '--attributes <dataset=file>',
      "a dataset's <dataset>.attributes.ndjson, for link rates by age band, sex and region (repeatable)",
      collect,
      [],
    )
    .option('--as-of <YYYY-MM-DD>', 'date ages are taken at (default: today)')
    .option(
      '--min-difference <x>',
      `flag a subgroup whose link rate differs from everyone else's by at least this fraction (default ${SUBGROUP_DEFAULTS.minDifference})`,
    )
    .option(
      '--min-z <x>',
      `… and whose two-proportion |z| is at least this (default ${SUBGROUP_DEFAULTS.minZ})`,
    )
    .option('--json <file>', 'report model JSON to write')
    .option('--html <file>', 'self-contained HTML page to write')
    .action(async (runId: string | undefined, o: ReportRunFlags) => {
      const written = runId === undefined ? await reportRun(o) : await reportServiceRun(runId, o);
      process.stderr.write(`wrote ${written.join(', ')}\n`);
    });
}

/** The work of `report run` (the demo calls it too); returns the files written. */
export async function reportRun(o: ReportRunFlags): Promise<string[]> {
  checkReportOutputs(o);
  if (o.summary === undefined)
    throw new CohortlinkError(
      'CL_USAGE',
      'give a run id with --db (a service run), or --summary (a cohortlink link run)',
    );
  if (o.db !== undefined)
    throw new CohortlinkError('CL_USAGE', '--db goes with a run id, not with --summary');
  const summaryPath = o.summary;
  const summary = readRunSummaryJson(summaryPath);
  const subgroups = await subgroupsOf(o, summary, summaryPath);
  const model = buildLinkageReport({
    summary,
    summarySource: summaryPath,
    ...(o.scores !== undefined ? { floorScores: readFloorScores(o.scores) } : {}),
    ...(subgroups !== undefined ? { subgroups } : {}),
  });
  return writeReportOutputs(o, model, () => renderLinkageReportHtml(model));
}

/** `report run <runId> --db`: a service run's report, as the reviewer routes give it. */
async function reportServiceRun(runId: string, o: ReportRunFlags): Promise<string[]> {
  checkReportOutputs(o);
  const fileFlags = {
    '--summary': o.summary,
    '--scores': o.scores,
    '--keys-dir': o.keysDir,
    '--as-of': o.asOf,
    '--min-difference': o.minDifference,
    '--min-z': o.minZ,
  };
  const given = Object.entries(fileFlags)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  if (o.attributes.length > 0) given.push('--attributes');
  if (given.length > 0)
    throw new CohortlinkError(
      'CL_USAGE',
      `${given.join(', ')} describe a CLI run; a service run's files are found from --db`,
    );
  if (o.db === undefined)
    throw new CohortlinkError('CL_USAGE', "a run id needs --db, the service's SQLite database");
  const format =
    o.json !== undefined && o.html !== undefined ? 'json+html' : o.json !== undefined ? 'json' : 'html';
  const model = await runReportFromStore(o.db, runId, format);
  return writeReportOutputs(o, model, () => renderLinkageReportHtml(model));
}

/** The subgroup section from --keys-dir and --attributes, or undefined without --attributes. */
async function subgroupsOf(
  o: ReportRunFlags,
  summary: unknown,
  summaryPath: string,
): Promise<SubgroupSection | undefined> {
  const subgroupFlags = [o.asOf, o.minDifference, o.minZ, o.keysDir].some((x) => x !== undefined);
  if (o.attributes.length === 0) {
    if (subgroupFlags)
      throw new CohortlinkError(
        'CL_USAGE',
        '--keys-dir, --as-of, --min-difference and --min-z only apply with --attributes <dataset>=<file>',
      );
    return undefined;
  }
  if (o.keysDir === undefined)
    throw new CohortlinkError(
      'CL_USAGE',
      "--attributes needs --keys-dir: the folder of the run's <dataset>.keys.csv files",
    );
  const keysDir = o.keysDir;
  const names = parseRunSummary(summary, summaryPath).inputs.map((d) => d.name);
  // Names become file names here; link only writes plain ones, but a summary may be edited.
  const odd = names.find((n) => !/^[A-Za-z0-9._-]{1,64}$/.test(n) || /^\.+$/.test(n));
  if (odd !== undefined)
    throw new CohortlinkError(
      'CL_USAGE',
      `${summaryPath} names a dataset that is not a plain file name, so its keys file cannot be found`,
    );
  const run = names.map((dataset) => ({ dataset, keysPath: join(keysDir, `${dataset}.keys.csv`) }));
  const sources: SubgroupSource[] = o.attributes.map((spec) => {
    const eq = spec.indexOf('=');
    const dataset = spec.slice(0, eq);
    if (eq <= 0 || eq === spec.length - 1)
      throw new CohortlinkError('CL_USAGE', `--attributes takes <dataset>=<file>, got '${spec}'`);
    if (!names.includes(dataset))
      throw new CohortlinkError(
        'CL_USAGE',
        `--attributes names ${dataset}, which is not a dataset of the run (${names.join(', ')})`,
      );
    return { dataset, keysPath: join(keysDir, `${dataset}.keys.csv`), attributesPath: spec.slice(eq + 1) };
  });
  return subgroupLinkRates(run, sources, {
    ...(o.asOf !== undefined ? { asOf: parseAsOf(o.asOf, '--as-of').iso } : {}),
    ...(o.minDifference !== undefined
      ? { minDifference: fraction(o.minDifference, '--min-difference', 1) }
      : {}),
    ...(o.minZ !== undefined ? { minZ: fraction(o.minZ, '--min-z', 1000) } : {}),
  });
}

function fraction(v: string, flag: string, max: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > max)
    throw new CohortlinkError('CL_USAGE', `${flag} must be a number from 0 to ${max}, got '${v}'`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
