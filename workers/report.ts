import { parentPort, workerData } from 'node:worker_threads';
import { markComputeThreads } from '../src/computePriority.js';
import { isCohortlinkError } from '../src/errors.js';
import { buildReport, type ReportJob } from '../src/server/reports/reportJobs.js';
import type { ReportThreadMessage } from '../src/server/reports/reportThread.js';

markComputeThreads();

/**
 * Builds one governance report on its own thread (one thread per build; builds are rare and
 * cached) and posts the model back as JSON text. See reportThread.ts for the other side.
 */
const post = (m: ReportThreadMessage): void => parentPort!.postMessage(m);

try {
  post({ type: 'done', json: await buildReport(workerData as ReportJob) });
} catch (err) {
  if (isCohortlinkError(err))
    post({ type: 'error', code: err.code, message: err.message, issues: [...err.issues] });
  else {
    // An unexpected error's message may quote a file's text (a reference): only its kind and
    // stack frames (code locations) cross over, for the service's log.
    const e = err instanceof Error ? err : new Error('non-error thrown');
    const frames = (e.stack ?? '').split('\n').slice(1).join('\n');
    post({ type: 'error', code: 'CL_INTERNAL', message: `unexpected ${e.name}`, issues: [], frames });
  }
}
