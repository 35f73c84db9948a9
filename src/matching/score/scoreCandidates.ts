/**
 * The scoring stage: every pair blocking proposes, deduplicated over the passes, bounded by
 * popcount, scored with a Dice kernel and kept at Dice ≥ floor (optionally the top k per left
 * row). Tasks are runs of blocks (blockPlan.ts); each block's right members are gathered into
 * contiguous memory and scanned by the block kernel (blockScorer.ts). With top-k the kernel
 * merges each row's k best into a table shared by the threads (topKTable.ts), read out in row
 * order at the end; otherwise (or when no table fits) the tasks' pairs are put in row order
 * (and cut to the top k) at the end (rowOrder.ts). Tasks run on this thread or on the shared
 * pool; results are appended in task order as soon as every earlier task is in, so the output
 * does not depend on the number of threads and out-of-order results wait only briefly.
 */
import type { BlockIndex } from '../../blocking/types.js';
import { CohortlinkError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import { CandidateBuffer } from '../kernel/candidateBuffer.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { checkThreshold } from '../kernel/thresholdPlan.js';
import { topKOf } from '../kernel/validate.js';
import { planBlockTasks } from './blockPlan.js';
import { BlockScorer } from './blockScorer.js';
import { scorePool, scorePoolSize } from './pool.js';
import { orderByRow } from './rowOrder.js';
import {
  checkIndex,
  placeStores,
  type RunSpec,
  type ScoreTask,
  shareIndex,
  type TaskOutcome,
} from './shared.js';
import { acquireTopKTable, readTopKTable, topKTableBytes } from './topKTable.js';
import { SCORE_DEFAULTS, type ScoreOptions, type ScoreResult } from './types.js';

/**
 * Internal tuning, for tests and benchmarks: the number of tasks (default: from the work),
 * whether to gather blocks in popcount order (default SCORE_DEFAULTS.sortByPopcount), and
 * whether top-k may use a table (default: when it fits in SCORE_DEFAULTS.topKTableMaxBytes).
 */
export interface ScoreTuning {
  readonly tasks?: number;
  readonly sortByPopcount?: boolean;
  readonly topKTable?: boolean;
}

let runCounter = 0;

/** A planned task: where it starts and ends, and its share of the progress (in rows). */
interface Planned {
  readonly unit: Pick<ScoreTask, 'from' | 'to'>;
  readonly rows: number;
}

export async function scoreCandidates(
  index: BlockIndex,
  left: FilterStore,
  right: FilterStore,
  floor: number,
  options: ScoreOptions & ScoreTuning = {},
): Promise<ScoreResult> {
  checkThreshold(floor);
  checkIndex(index, left, right);
  const topK = options.topK === undefined ? undefined : topKOf(options, Number.POSITIVE_INFINITY);
  const workers = Math.min(scorePoolSize(), Math.max(0, Math.floor(options.workers ?? 0)));
  if (!Number.isFinite(workers))
    throw new CohortlinkError('CL_USAGE', `workers ${options.workers} must be a whole number`);
  throwIfCancelled(options.signal);

  const tasks = blockTasks(index, options.tasks);
  const sortByPopcount = options.sortByPopcount ?? SCORE_DEFAULTS.sortByPopcount;
  const placed = placeStores(left, right);
  const table =
    topK !== undefined &&
    (options.topKTable ?? true) &&
    topKTableBytes(index.leftCount, topK) <= SCORE_DEFAULTS.topKTableMaxBytes
      ? acquireTopKTable(placed.memory, index.leftCount, topK)
      : undefined;
  let out = new CandidateBuffer();
  const totals = { candidatePairs: 0, comparisons: 0, rowsDone: 0 };
  const report = (rows: number): void => {
    totals.rowsDone += rows;
    options.onProgress?.({
      comparisonsDone: totals.comparisons,
      rowsDone: totals.rowsDone,
      rowsTotal: index.leftCount,
    });
  };

  if (workers === 0 || tasks.length <= 1) {
    const scorer = new BlockScorer(index, placed.left, placed.right, placed.memory, floor, {
      sortByPopcount,
      topK,
      table: table?.spec,
    });
    for (const { unit, rows } of tasks) {
      scorer.scoreUnits(unit.from, unit.to, out, totals);
      report(rows);
      // Let an abort (or anything else waiting) in between tasks.
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfCancelled(options.signal);
    }
  } else {
    const run: RunSpec = {
      id: `${process.pid}:${++runCounter}:${Date.now()}`,
      memory: placed.memory,
      left: placed.left.describe(),
      right: placed.right.describe(),
      index: shareIndex(index),
      floor,
      topK,
      sortByPopcount,
      table: table?.spec,
    };
    await runOnPool(run, tasks, workers, options.signal, (outcome, rows) => {
      append(out, outcome);
      totals.candidatePairs += outcome.candidatePairs;
      totals.comparisons += outcome.comparisons;
      report(rows);
    });
  }
  if (table !== undefined) {
    out = readTopKTable(placed.memory, table.spec);
    // Only now: a failed or cancelled run's tasks may still be writing to it, so it is not reused.
    table.release();
  } else out = orderByRow(out, index.leftCount, topK); // pairs came block by block
  return {
    candidates: out,
    stats: { candidatePairs: totals.candidatePairs, comparisons: totals.comparisons, kept: out.length },
  };
}

/** Block tasks, with progress in rows in proportion to each task's estimated work. */
function blockTasks(index: BlockIndex, tasks: number | undefined): Planned[] {
  const plan = planBlockTasks(index, tasks);
  const n = plan.cuts.length - 1;
  const planned: Planned[] = [];
  let work = 0;
  let rows = 0;
  for (let t = 0; t < n; t++) {
    work += plan.work[t]!;
    const upTo =
      t === n - 1 || plan.totalWork === 0
        ? index.leftCount
        : Math.round((index.leftCount * work) / plan.totalWork);
    planned.push({ unit: { from: plan.cuts[t]!, to: plan.cuts[t + 1]! }, rows: upTo - rows });
    rows = upTo;
  }
  return planned;
}

type Done = Extract<TaskOutcome, { ok: true }>;

/**
 * Runs the tasks with at most `width` in flight and calls `take` for each in task order. On
 * abort or failure it rejects at once; tasks still running finish on their own (each is a small
 * share of the run) and their results are dropped, which keeps the threads and their cached
 * kernels alive instead of terminating them.
 */
function runOnPool(
  run: RunSpec,
  planned: readonly Planned[],
  width: number,
  signal: AbortSignal | undefined,
  take: (outcome: Done, rows: number) => void,
): Promise<void> {
  const pool = scorePool();
  const tasks = planned.length;
  const results: (Done | undefined)[] = new Array(tasks);
  let next = 0;
  let appended = 0;
  let inFlight = 0;
  let stopped = false;
  return new Promise<void>((resolve, reject) => {
    const stop = (e: unknown): void => {
      if (stopped) return;
      stopped = true;
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    };
    const onAbort = (): void => stop(cancelled());
    signal?.addEventListener('abort', onAbort, { once: true });
    const launch = (): void => {
      while (!stopped && inFlight < width && next < tasks) {
        const t = next++;
        inFlight++;
        const task: ScoreTask = { run, ...planned[t]!.unit };
        (pool.run(task) as Promise<TaskOutcome>).then(
          (outcome) => {
            inFlight--;
            if (stopped) return;
            if (!outcome.ok) return stop(new CohortlinkError(knownCode(outcome.code), outcome.message));
            results[t] = outcome;
            try {
              while (appended < tasks && results[appended] !== undefined) {
                take(results[appended]!, planned[appended]!.rows);
                results[appended++] = undefined; // drop the arrays as soon as they are copied
              }
            } catch (e) {
              return stop(e); // e.g. more candidates than a buffer may hold
            }
            if (appended === tasks) {
              stopped = true;
              signal?.removeEventListener('abort', onAbort);
              resolve();
            } else launch();
          },
          (e: unknown) => {
            inFlight--;
            stop(
              new CohortlinkError('CL_INTERNAL', `a scoring worker failed: ${String(e)}`, [], { cause: e }),
            );
          },
        );
      }
    };
    launch();
  });
}

function append(out: CandidateBuffer, r: Pick<Done, 'aIndex' | 'bIndex' | 'score' | 'length'>): void {
  if (r.length === 0) return;
  out.reserve(out.length + r.length);
  out.aIndex.set(r.aIndex.subarray(0, r.length), out.length);
  out.bIndex.set(r.bIndex.subarray(0, r.length), out.length);
  out.score.set(r.score.subarray(0, r.length), out.length);
  out.length += r.length;
}

function cancelled(): CohortlinkError {
  return new CohortlinkError('CL_CANCELLED', 'scoring was cancelled');
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

function knownCode(code: string): ErrorCode {
  return code in ERROR_CODES ? (code as ErrorCode) : 'CL_INTERNAL';
}
