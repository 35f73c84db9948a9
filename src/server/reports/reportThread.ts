/**
 * Report builds run on a thread of their own (workers/report.ts), one at a time: a report over
 * a million encodings reads the whole file (see threadQueue.ts).
 */
import { ThreadJobError, ThreadQueue } from '../threadQueue.js';
import type { ReportJob } from './reportJobs.js';

/** A build that failed: the error, plus code locations when it was unexpected (for the log only). */
export { ThreadJobError as ReportBuildError };

export class ReportThreads {
  private readonly queue = new ThreadQueue<ReportJob, string>('report', (job) => `${job.kind} report`);

  /** Queues a build; resolves with the report model as JSON text. */
  build(job: ReportJob): Promise<string> {
    return this.queue.run(job);
  }

  /** Stops any build in progress (the service is closing). */
  close(): Promise<void> {
    return this.queue.close();
  }
}
