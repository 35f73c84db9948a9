/**
 * How every `cohortlink report …` command writes: a report model as JSON and/or its
 * self-contained HTML page, both or neither, so a reviewer never finds a JSON and a page built
 * from different inputs side by side.
 */
import { CohortlinkError } from '../../errors.js';
import { AtomicFileSet } from '../../matching/output/atomicFiles.js';

export interface ReportOutputs {
  readonly json?: string | undefined;
  readonly html?: string | undefined;
}

/** Refuses a command that would write nothing, or both outputs to one file — before any work. */
export function checkReportOutputs(o: ReportOutputs): void {
  if (o.json === undefined && o.html === undefined)
    throw new CohortlinkError('CL_USAGE', 'give --json and/or --html to say what to write');
  if (o.json !== undefined && o.json === o.html)
    throw new CohortlinkError('CL_USAGE', '--json and --html name the same file');
}

/** Writes the model and/or its page atomically together; returns the files written. */
export function writeReportOutputs(o: ReportOutputs, model: unknown, html: () => string): string[] {
  const files = new AtomicFileSet();
  try {
    if (o.json !== undefined) files.open(o.json).write(`${JSON.stringify(model, null, 2)}\n`);
    if (o.html !== undefined) files.open(o.html).write(html());
    files.commit();
  } catch (err) {
    files.abort();
    throw err;
  }
  return [o.json, o.html].filter((x): x is string => x !== undefined);
}
