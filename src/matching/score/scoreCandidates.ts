/**
 * The scoring stage: every pair blocking proposes, deduplicated over the passes, bounded by
 * popcount, scored with the pair-list Dice kernel and kept at Dice ≥ floor (optionally the top
 * k per left row). Work is cut into tasks of left rows (plan.ts) run on this thread or on the
 * shared pool; results are appended in task order as soon as every earlier task is in, so the
 * output does not depend on the number of threads and out-of-order results wait only briefly.
 */
import type { BlockIndex } from '../../blocking/types.js';
import { CohortlinkError, ERROR_CODES, type ErrorCode } from '../../errors.js';
import { CandidateBuffer } from '../kernel/candidateBuffer.js';
import type { FilterStore } from '../kernel/filterStore.js';
import { checkThreshold } from '../kernel/thresholdPlan.js';
import { topKOf } from '../kernel/validate.js';
import type { WasmMemory } from '../kernel/wasm/wasmApi.js';
import { WasmDiceKernel } from '../kernel/wasmKernel.js';
import { planTasks } from './plan.js';
import { scorePool, scorePoolSize } from './pool.js';
import { RowScorer } from './rowScorer.js';
import { checkIndex, placeStores, type RunSpec, shareIndex, type TaskOutcome } from './shared.js';
import type { ScoreOptions, ScoreResult } from './types.js';

/** Internal tuning, for tests and benchmarks: the number of tasks (default: from the work). */
export interface ScoreTuning {
  readonly tasks?: number;
}

let runCounter = 0;

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

  const plan = planTasks(index, options.tasks);
  const placed = placeStores(left, right);
  const out = new CandidateBuffer();
  const totals = { candidatePairs: 0, comparisons: 0, rowsDone: 0 };
  const report = (rows: number): void => {
    totals.rowsDone += rows;
    options.onProgress?.({
      comparisonsDone: totals.comparisons,
      rowsDone: totals.rowsDone,
      rowsTotal: index.leftCount,
    });
  };

  const tasks = plan.bounds.length - 1;
  if (workers === 0 || tasks <= 1) {
    const scorer = new RowScorer(index, placed.left, placed.right, kernelFor(placed.memory), floor, topK);
    for (let t = 0; t < tasks; t++) {
      scorer.scoreRows(plan.bounds[t]!, plan.bounds[t + 1]!, out, totals);
      report(plan.bounds[t + 1]! - plan.bounds[t]!);
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
    };
    await runOnPool(run, plan.bounds, workers, options.signal, (outcome, rows) => {
      append(out, outcome);
      totals.candidatePairs += outcome.candidatePairs;
      totals.comparisons += outcome.comparisons;
      report(rows);
    });
  }
  return {
    candidates: out,
    stats: { candidatePairs: totals.candidatePairs, comparisons: totals.comparisons, kept: out.length },
  };
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
  bounds: Uint32Array,
  width: number,
  signal: AbortSignal | undefined,
  take: (outcome: Done, rows: number) => void,
): Promise<void> {
  const pool = scorePool();
  const tasks = bounds.length - 1;
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
        const task = { run, start: bounds[t]!, end: bounds[t + 1]! };
        (pool.run(task) as Promise<TaskOutcome>).then(
          (outcome) => {
            inFlight--;
            if (stopped) return;
            if (!outcome.ok) return stop(new CohortlinkError(knownCode(outcome.code), outcome.message));
            results[t] = outcome;
            try {
              while (appended < tasks && results[appended] !== undefined) {
                take(results[appended]!, bounds[appended + 1]! - bounds[appended]!);
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

function append(out: CandidateBuffer, r: Done): void {
  if (r.length === 0) return;
  out.reserve(out.length + r.length);
  out.aIndex.set(r.aIndex.subarray(0, r.length), out.length);
  out.bIndex.set(r.bIndex.subarray(0, r.length), out.length);
  out.score.set(r.score.subarray(0, r.length), out.length);
  out.length += r.length;
}

/** One kernel per memory on this thread, so its scratch areas are allocated once per arena. */
const kernels = new WeakMap<WasmMemory, WasmDiceKernel>();

function kernelFor(memory: WasmMemory): WasmDiceKernel {
  let k = kernels.get(memory);
  if (k === undefined) {
    k = new WasmDiceKernel({ memory });
    kernels.set(memory, k);
  }
  return k;
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
