/**
 * The run manager's measurements: run durations by outcome, comparisons and scoring seconds
 * (their ratio is comparisons per second), queue depth and runs in progress. One collector, so
 * the service registers it once (`registry.register('cohortlink_run', metrics)`).
 */
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
    return [this.queue, this.running, this.comparisons, this.scoreSeconds, this.rate, this.durations]
      .map((c) => c.prometheus())
      .join('');
  }
}
