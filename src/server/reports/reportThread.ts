/**
 * Runs report builds on a thread of their own (workers/report.ts), one at a time: a report over
 * a million encodings reads the whole file, seconds of CPU that would otherwise stall every
 * request, and two such builds at once would only compete with linkage runs for the cores.
 */
import { Worker } from 'node:worker_threads';
import { CohortlinkError, type ErrorCode, type Issue } from '../../errors.js';
import { workerFile } from '../../workerPath.js';
import type { ReportJob } from './reportJobs.js';

export type ReportThreadMessage =
  | { type: 'done'; json: string }
  | { type: 'error'; code: ErrorCode; message: string; issues: Issue[]; frames?: string };

/** A build that failed: the error, plus code locations when it was unexpected (for the log only). */
export class ReportBuildError extends CohortlinkError {
  constructor(
    code: ErrorCode,
    message: string,
    issues: readonly Issue[],
    readonly frames: string | undefined,
  ) {
    super(code, message, issues);
  }
}

export class ReportThreads {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly live = new Set<Worker>();
  private closed = false;

  /** Queues a build; resolves with the report model as JSON text. */
  build(job: ReportJob): Promise<string> {
    const next = this.tail.then(() => this.runOne(job));
    // The queue continues whatever this build's outcome.
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Stops any build in progress (the service is closing). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((w) => w.terminate()));
  }

  private runOne(job: ReportJob): Promise<string> {
    if (this.closed) return Promise.reject(new CohortlinkError('CL_NOT_READY', 'the service is closing'));
    return new Promise((resolve, reject) => {
      // execArgv: [] so a parent started with flags such as -e does not pass them on.
      const worker = new Worker(workerFile('report'), { workerData: job, execArgv: [] });
      this.live.add(worker);
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        this.live.delete(worker);
        void worker.terminate();
        f();
      };
      worker.on('message', (m: ReportThreadMessage) =>
        finish(() =>
          m.type === 'done'
            ? resolve(m.json)
            : reject(new ReportBuildError(m.code, m.message, m.issues, m.frames)),
        ),
      );
      worker.on('error', (err) =>
        finish(() =>
          reject(
            // The stack's first line repeats the message, which may quote a file's text: frames only.
            new ReportBuildError(
              'CL_INTERNAL',
              `the ${job.kind} report thread failed (${err.name})`,
              [],
              frames(err),
            ),
          ),
        ),
      );
      worker.on('exit', (code) =>
        finish(() =>
          reject(
            new ReportBuildError(
              'CL_INTERNAL',
              `the ${job.kind} report thread stopped (exit ${code})`,
              [],
              undefined,
            ),
          ),
        ),
      );
    });
  }
}

function frames(err: Error): string {
  return (err.stack ?? '').split('\n').slice(1).join('\n');
}
