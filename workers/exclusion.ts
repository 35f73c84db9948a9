import { markComputeThreads } from '../src/computePriority.js';
import {
  type ExclusionJob,
  type ExclusionOutcome,
  runExclusionJob,
} from '../src/server/cohort/exclusionJob.js';
import { serveThreadJob } from '../src/server/threadQueue.js';

markComputeThreads();

/** Matches a run's records against the project's exclusion sources (see exclusionJob.ts). */
await serveThreadJob<ExclusionJob, ExclusionOutcome>(runExclusionJob);
