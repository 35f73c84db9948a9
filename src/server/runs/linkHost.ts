/**
 * The main thread's handle on the link thread (linkThread.ts): starts it on the first run,
 * hands it jobs, routes its progress and results back to the run that asked, and starts a new
 * thread if one dies (every run it held fails as retryable). The thread is unreferenced while
 * idle so an idle service, or a test, can exit.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ScorePoolStats } from '../../matching/score/pool.js';
import type { FromLinkThread, LinkDone, LinkJob, ToLinkThread } from './protocol.js';

/** `comparisons`: while scoring, comparisons made so far in the dataset pair being scored. */
export type ProgressListener = (stage: string, done: number, total: number, comparisons?: number) => void;

/** A run that did not finish: a cohortlink error code and a message free of identifiers. */
export class LinkFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'LinkFailure';
  }
}

interface Pending {
  readonly resolve: (r: LinkDone) => void;
  readonly reject: (e: LinkFailure) => void;
  readonly onProgress: ProgressListener;
}

/** Compiled code finds the thread beside itself; TypeScript sources (tests) use the build. */
export function linkThreadFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts')
    ? new URL('../../../dist/src/server/runs/linkThread.js', here)
    : new URL('./linkThread.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new Error(`the link thread is not built (${path}); run npm run build`);
  return path;
}

export class LinkHost {
  private worker: Worker | undefined;
  private readonly pending = new Map<string, Pending>();
  private closing: Promise<void> | undefined;

  /** `onPoolSample` receives the link thread's samples of its scoring pool's load. */
  constructor(private readonly onPoolSample: (s: ScorePoolStats) => void = () => {}) {}

  run(job: LinkJob, onProgress: ProgressListener): Promise<LinkDone> {
    if (this.closing !== undefined)
      return Promise.reject(new LinkFailure('CL_INTERNAL', 'the service is stopping'));
    const worker = this.thread();
    return new Promise<LinkDone>((resolve, reject) => {
      this.pending.set(job.runId, { resolve, reject, onProgress });
      worker.ref();
      this.send({ type: 'start', job });
    });
  }

  cancel(runId: string): void {
    if (this.pending.has(runId)) this.send({ type: 'cancel', runId });
  }

  /** Aborts runs in flight, closes the scoring pool and stops the thread. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    const w = this.worker;
    if (w === undefined) return;
    w.ref();
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    this.send({ type: 'shutdown' });
    await exited;
  }

  private send(m: ToLinkThread): void {
    this.worker?.postMessage(m);
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    // execArgv [] rather than the parent's: a service started with `node -e …` (or --eval,
    // --input-type, -p) would pass those to the thread, which then runs the eval text instead of
    // its file. The scoring pool's threads inherit this thread's (empty) execArgv.
    const w = new Worker(linkThreadFile(), { execArgv: [] });
    w.on('message', (m: FromLinkThread) => this.receive(m));
    w.on('error', () => this.lost(w));
    w.on('exit', () => this.lost(w));
    w.unref();
    this.worker = w;
    return w;
  }

  private receive(m: FromLinkThread): void {
    if (m.type === 'closed') return;
    if (m.type === 'pool') {
      this.onPoolSample({ utilisation: m.utilisation, threads: m.threads, queueSize: m.queueSize });
      return;
    }
    const p = this.pending.get(m.runId);
    if (p === undefined) return;
    if (m.type === 'progress') {
      p.onProgress(m.stage, m.done, m.total, m.comparisons);
      return;
    }
    this.pending.delete(m.runId);
    if (this.pending.size === 0) this.worker?.unref();
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(new LinkFailure(m.code, m.message));
  }

  /** The thread died (out of memory, a native crash) or stopped: its runs cannot finish. */
  private lost(w: Worker): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const failure = new LinkFailure('CL_INTERNAL', 'the link thread stopped before the run finished');
    for (const p of this.pending.values()) p.reject(failure);
    this.pending.clear();
  }
}
