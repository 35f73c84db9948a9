/**
 * The scoring stage: blocking's candidate pairs → Dice-scored candidates above a floor.
 *
 *   const arena = new WasmArena(); // load both datasets' stores with { allocator: arena }
 *   const { candidates, stats } = await scoreCandidates(index, left, right, 0.7, { workers: 2 });
 *   ...
 *   await closeScorePool(); // at shutdown; idle threads do not hold the process open anyway
 */
export { closeScorePool, scorePoolSize } from './pool.js';
export { type ScoreTuning, scoreCandidates } from './scoreCandidates.js';
export {
  SCORE_DEFAULTS,
  type ScoreOptions,
  type ScoreProgress,
  type ScoreResult,
  type ScoreStats,
} from './types.js';
