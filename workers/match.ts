import { Piscina } from 'piscina';
import { lowerThisThread } from '../src/computePriority.js';
import type { ScoreTask } from '../src/matching/score/shared.js';
import { runScoreTask } from '../src/matching/score/task.js';

lowerThisThread();

/**
 * Piscina entry point for the scoring stage. A task is a run of blocks of one scoring run; the
 * filters (shared WASM memory) and block index (SharedArrayBuffers) arrive without a copy, and
 * the candidates go back by transfer.
 */
export default function matchTask(task: ScoreTask): unknown {
  const outcome = runScoreTask(task);
  if (!outcome.ok) return outcome;
  const transfer = [outcome.aIndex.buffer, outcome.bIndex.buffer, outcome.score.buffer];
  const movable = { [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: outcome };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
