import type { Command } from 'commander';
import { CohortlinkError } from '../../errors.js';
import { AtomicFileSet } from '../../matching/output/atomicFiles.js';
import { renderLinkageReportHtml } from '../../reports/linkageHtml.js';
import { linkageReportFromFiles } from '../../reports/linkageReport.js';

interface ReportRunFlags {
  summary: string;
  scores?: string;
  json?: string;
  html?: string;
}

/** `cohortlink report run`: the linkage-quality report of a finished run, as JSON and/or HTML. */
export function registerReport(program: Command): void {
  const report = program.command('report').description('Governance reports for reviewers');
  report
    .command('run')
    .description('Linkage-quality report of a link run, from its summary JSON (and its --scores file)')
    .requiredOption('--summary <file>', 'run summary JSON written by cohortlink link')
    .option('--scores <file>', 'links at the floor (cohortlink link --scores) for the score histogram')
    .option('--json <file>', 'report model JSON to write')
    .option('--html <file>', 'self-contained HTML page to write')
    .action((o: ReportRunFlags) => {
      if (o.json === undefined && o.html === undefined)
        throw new CohortlinkError('CL_USAGE', 'give --json and/or --html to say what to write');
      if (o.json !== undefined && o.json === o.html)
        throw new CohortlinkError('CL_USAGE', '--json and --html name the same file');
      const model = linkageReportFromFiles(o.summary, o.scores);
      // Both files appear together or neither: a reviewer never sees a JSON and a page from
      // different runs side by side.
      const files = new AtomicFileSet();
      try {
        if (o.json !== undefined) files.open(o.json).write(`${JSON.stringify(model, null, 2)}\n`);
        if (o.html !== undefined) files.open(o.html).write(renderLinkageReportHtml(model));
        files.commit();
      } catch (err) {
        files.abort();
        throw err;
      }
      process.stderr.write(`wrote ${[o.json, o.html].filter((x) => x !== undefined).join(', ')}\n`);
    });
}
