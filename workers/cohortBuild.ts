import { markComputeThreads } from '../src/computePriority.js';
import {
  buildCohortJob,
  type CohortBuildJob,
  type CohortBuildOutcome,
  outcomeTransfers,
} from '../src/server/cohort/cohortBuildJob.js';
import { serveThreadJob } from '../src/server/threadQueue.js';

markComputeThreads();

/** Joins a run's keys with its datasets' attributes and events (see cohortBuildJob.ts). */
await serveThreadJob<CohortBuildJob, CohortBuildOutcome>(buildCohortJob, outcomeTransfers);
