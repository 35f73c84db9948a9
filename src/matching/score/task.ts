/**
 * One scoring task inside a worker thread. The scorer of a run (its gather bookkeeping) is built
 * on a thread's first task of the run and kept for the run's later tasks. Only the last few runs
 * are kept: an entry holds the run's memory alive, and the service runs one run after another
 * for as long as it lives.
 */
import { isCohortlinkError } from '../../errors.js';
import { CandidateBuffer } from '../kernel/candidateBuffer.js';
import { FilterStore } from '../kernel/filterStore.js';
import { WasmArena } from '../kernel/wasmArena.js';
import { BlockScorer } from './blockScorer.js';
import type { RunSpec, ScoreTask, TaskOutcome } from './shared.js';

/** Runs kept per thread: two concurrent runs plus slack; a miss only costs a rebuild. */
const RUNS_KEPT = 4;
const runs = new Map<string, BlockScorer>();

function scorerFor(run: RunSpec): BlockScorer {
  let scorer = runs.get(run.id);
  if (scorer === undefined) {
    // Its scratch areas (~1 MiB) are allocated in the run's arena, which goes with the run.
    const arena = new WasmArena({ memory: run.memory });
    const left = FilterStore.attach(run.left, arena);
    const right = run.right.byteOffset === run.left.byteOffset ? left : FilterStore.attach(run.right, arena);
    scorer = new BlockScorer(run.index, left, right, run.memory, run.floor, {
      sortByPopcount: run.sortByPopcount,
      topK: run.topK,
      table: run.table,
    });
    if (runs.size >= RUNS_KEPT) runs.delete(runs.keys().next().value!);
  } else runs.delete(run.id); // re-inserted below: most recently used last
  runs.set(run.id, scorer);
  return scorer;
}

/**
 * Scores one task. With top-k, each left row's k best of each pass go to the run's table, or
 * when it has none come back (see BlockScorer), which bounds what a task sends back.
 */
export function runScoreTask(task: ScoreTask): TaskOutcome {
  try {
    const counts = { candidatePairs: 0, comparisons: 0 };
    const out = new CandidateBuffer();
    scorerFor(task.run).scoreUnits(task.from, task.to, out, counts);
    return {
      ok: true,
      aIndex: out.aIndex,
      bIndex: out.bIndex,
      score: out.score,
      length: out.length,
      ...counts,
    };
  } catch (e) {
    // Errors cross the thread boundary as plain data: a CohortlinkError's class and code would
    // not survive structured cloning.
    if (isCohortlinkError(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'CL_INTERNAL', message: e instanceof Error ? e.message : String(e) };
  }
}
