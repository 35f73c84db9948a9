import { markComputeThreads } from '../src/computePriority.js';
import { buildReport, type ReportJob } from '../src/server/reports/reportJobs.js';
import { serveThreadJob } from '../src/server/threadQueue.js';

markComputeThreads();

/**
 * Builds one governance report on its own thread (one thread per build; builds are rare and
 * cached) and posts the model back as JSON text. See reportThread.ts for the other side.
 */
await serveThreadJob<ReportJob, string>(buildReport);
