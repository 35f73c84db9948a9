/**
 * Messages between the run manager (main thread) and the link thread that executes runs. Only
 * paths, options, counts and error codes cross: never refs, keys or encodings, which stay in
 * the link thread and the data folder. While any run is active the link thread also posts a
 * `pool` sample of its scoring pool's load about once a second (and one as each run starts
 * and ends), for /metrics.
 */
import type { LinkOptionsInput } from '../../matching/link/options.js';
import type { LinkStage } from '../../matching/link/runLink.js';
import type { RunSummary } from '../../matching/link/summary.js';
import type { ScorePoolStats } from '../../matching/score/pool.js';
import type { RunOutputPaths } from './runFiles.js';

export interface LinkJob {
  readonly runId: string;
  /**
   * Dataset ids are the dataset names, so keys files and summaries are named by id. `repeats`:
   * the dataset may hold several records of one person (runLink's LinkInput.repeats; default false).
   */
  readonly inputs: readonly {
    readonly name: string;
    readonly path: string;
    readonly bytes: number;
    readonly repeats?: boolean;
  }[];
  readonly options: LinkOptionsInput;
  /** Per dataset id: the keys file of the previous succeeded run that keyed it, if any. */
  readonly previousKeys: Readonly<Record<string, string>>;
  readonly output: RunOutputPaths;
}

export type ToLinkThread =
  | { readonly type: 'start'; readonly job: LinkJob }
  | { readonly type: 'cancel'; readonly runId: string }
  | { readonly type: 'shutdown' };

export interface LinkDone {
  readonly summary: RunSummary;
  /** Records keyed per dataset id. */
  readonly records: Readonly<Record<string, number>>;
  readonly comparisons: number;
}

export type FromLinkThread =
  | {
      readonly type: 'progress';
      readonly runId: string;
      readonly stage: LinkStage | 'write';
      readonly done: number;
      readonly total: number;
      /** While scoring: comparisons made so far in the dataset pair being scored. */
      readonly comparisons?: number;
    }
  | ({ readonly type: 'pool' } & ScorePoolStats)
  | { readonly type: 'done'; readonly runId: string; readonly result: LinkDone }
  | { readonly type: 'failed'; readonly runId: string; readonly code: string; readonly message: string }
  | { readonly type: 'closed' };
