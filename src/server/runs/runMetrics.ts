/**
 * The run manager's measurements: run durations by outcome, comparisons and scoring seconds
 * (their ratio is comparisons per second), queue depth and runs in progress, and the scoring
 * pool's load as the link thread samples it (about once a second while a run is active; the
 * last sample stays until the next run; no sample, no value, until the first run). One collector, so
 * the service registers it once (`registry.register('cohortlink_run', metrics)`).
 */
import type { ScorePoolStats } from '../../matching/score/pool.js';
import { type Collector, Counter, Gauge, Histogram } from '../metrics.js';

/** Run duration buckets, seconds: a small test run to a national-scale link. */
const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 3600] as const;

export class RunMetrics implements Collector {
  private readonly queue = new Gauge('cohortlink_run_queue_depth', 'Runs waiting to start.');
  private readonly running = new Gauge('cohortlink_runs_in_progress', 'Runs executing now.');
  private readonly comparisons = new Counter(
    'cohortlink_run_comparisons_total',
    'Dice comparisons made by succeeded runs.',
  );
  private readonly scoreSeconds = new Counter(
    'cohortlink_run_score_seconds_total',
    'Seconds spent in the scoring stage of succeeded runs (comparisons_total / this = comparisons per second).',
  );
  private readonly rate = new Gauge(
    'cohortlink_run_comparisons_per_second',
    'Scoring rate of the last succeeded run.',
  );
  private readonly durations = new Histogram(
    'cohortlink_run_duration_seconds',
    'Wall time of runs from start to finish, by outcome.',
    DURATION_BUCKETS,
  );

  private readonly poolUtilisation = new Gauge(
    'cohortlink_score_pool_utilisation',
    "Scoring pool utilisation, 0 to 1 (Piscina's: mean task run time against thread capacity since the pool started).",
  );
  private readonly poolThreads = new Gauge('cohortlink_score_pool_threads', 'Scoring pool threads alive.');
  private readonly poolQueue = new Gauge(
    'cohortlink_score_pool_queue_size',
    'Scoring tasks waiting for a free pool thread.',
  );

  /** A sample of the scoring pool's load from the link thread. */
  pool(s: ScorePoolStats): void {
    this.poolUtilisation.set(s.utilisation);
    this.poolThreads.set(s.threads);
    this.poolQueue.set(s.queueSize);
  }

  gauges(queued: number, inProgress: number): void {
    this.queue.set(queued);
    this.running.set(inProgress);
  }

  runFinished(state: string, seconds: number): void {
    this.durations.observe(seconds, { state });
  }

  /** Comparisons of a succeeded run and the seconds its scoring stage took. */
  compared(comparisons: number, scoreSeconds: number): void {
    this.comparisons.inc({}, comparisons);
    this.scoreSeconds.inc({}, scoreSeconds);
    if (scoreSeconds > 0) this.rate.set(comparisons / scoreSeconds);
  }

  prometheus(): string {
    return [
      this.queue,
      this.running,
      this.comparisons,
      this.scoreSeconds,
      this.rate,
      this.durations,
      this.poolUtilisation,
      this.poolThreads,
      this.poolQueue,
    ]
      .map((c) => c.prometheus())
      .join('');
  }
}
