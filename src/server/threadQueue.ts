/**
 * Jobs run one at a time, each on a fresh worker thread (`workers/<name>.ts`): report builds
 * and the cohort's exclusion matching read whole encodings files, seconds of CPU that would
 * otherwise stall every request, and two such jobs at once would only compete with linkage runs
 * for the cores. `serveThreadJob` is the worker's side.
 */
import { parentPort, type TransferListItem, Worker, workerData } from 'node:worker_threads';
import { CohortlinkError, type ErrorCode, type Issue, isCohortlinkError } from '../errors.js';
import { workerFile } from '../workerPath.js';

export type ThreadMessage<Out> =
  | { type: 'done'; result: Out }
  | { type: 'error'; code: ErrorCode; message: string; issues: Issue[]; frames?: string };

/** A job that failed: the error, plus code locations when it was unexpected (for the log only). */
export class ThreadJobError extends CohortlinkError {
  constructor(
    code: ErrorCode,
    message: string,
    issues: readonly Issue[],
    readonly frames: string | undefined,
  ) {
    super(code, message, issues);
  }
}

export class ThreadQueue<Job, Out> {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly live = new Set<Worker>();
  private closed = false;

  /** `worker`: the entry point's name in workers/; `label` names a job in error messages. */
  constructor(
    private readonly worker: string,
    private readonly label: (job: Job) => string,
  ) {}

  /** Queues a job; resolves with what the thread posted. */
  run(job: Job): Promise<Out> {
    const next = this.tail.then(() => this.runOne(job));
    // The queue continues whatever this job's outcome.
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** Stops any job in progress (the service is closing). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((w) => w.terminate()));
  }

  private runOne(job: Job): Promise<Out> {
    if (this.closed) return Promise.reject(new CohortlinkError('CL_NOT_READY', 'the service is closing'));
    const what = this.label(job);
    return new Promise((resolve, reject) => {
      // execArgv: [] so a parent started with flags such as -e does not pass them on.
      const worker = new Worker(workerFile(this.worker), { workerData: job, execArgv: [] });
      this.live.add(worker);
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        this.live.delete(worker);
        void worker.terminate();
        f();
      };
      worker.on('message', (m: ThreadMessage<Out>) =>
        finish(() =>
          m.type === 'done'
            ? resolve(m.result)
            : reject(new ThreadJobError(m.code, m.message, m.issues, m.frames)),
        ),
      );
      worker.on('error', (err) =>
        finish(() =>
          // The stack's first line repeats the message, which may quote a file's text: frames only.
          reject(
            new ThreadJobError('CL_INTERNAL', `the ${what} thread failed (${err.name})`, [], frames(err)),
          ),
        ),
      );
      worker.on('exit', (code) =>
        finish(() =>
          reject(
            new ThreadJobError('CL_INTERNAL', `the ${what} thread stopped (exit ${code})`, [], undefined),
          ),
        ),
      );
    });
  }
}

/**
 * The worker's side: runs `body` on the job it was started with and posts the outcome.
 * `transfer` lists buffers of the result to move rather than copy (the thread ends after
 * posting, so nothing here reads them again).
 */
export async function serveThreadJob<Job, Out>(
  body: (job: Job) => Promise<Out>,
  transfer: (result: Out) => TransferListItem[] = () => [],
): Promise<void> {
  const post = (m: ThreadMessage<Out>, list: TransferListItem[] = []): void =>
    parentPort!.postMessage(m, list);
  try {
    const result = await body(workerData as Job);
    post({ type: 'done', result }, transfer(result));
  } catch (err) {
    if (isCohortlinkError(err))
      post({ type: 'error', code: err.code, message: err.message, issues: [...err.issues] });
    else {
      // An unexpected error's message may quote a file's text (a reference): only its kind and
      // stack frames (code locations) cross over, for the service's log.
      const e = err instanceof Error ? err : new Error('non-error thrown');
      post({
        type: 'error',
        code: 'CL_INTERNAL',
        message: `unexpected ${e.name}`,
        issues: [],
        frames: frames(e),
      });
    }
  }
}

function frames(err: Error): string {
  return (err.stack ?? '').split('\n').slice(1).join('\n');
}
