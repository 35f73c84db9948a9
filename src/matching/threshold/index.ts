/** Automatic threshold choice for one-to-one and many-to-one linkage (see autoThreshold.ts for the model). */
export {
  chooseThreshold,
  type Estimate,
  estimateAt,
  type Interval,
  intervalsAt,
  THRESHOLD_DEFAULTS,
  type ThresholdChoice,
  type ThresholdInput,
  type ThresholdModel,
  type ThresholdUncertainty,
} from './autoThreshold.js';
export { type LinkArrays, NO_RUNNER_UP, type RunnerUps, runnerUps, type ScoredPairs } from './runnerUps.js';
export { GRID_BIN_WIDTH } from './scoreGrid.js';
