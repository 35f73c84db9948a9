/**
 * A run's status as the API shows it: state, stage, progress, timings and error. Built from a
 * `run` row (read by primary key) or kept in memory by the manager while the run is live, so
 * `GET /runs/:id` never scans. Holds counts and codes only, never refs or keys.
 */
import type { RunRow, RunState } from './runRepo.js';

/** Failure codes worth retrying: the same inputs may succeed next time. Data or request faults
 * (mismatched encodings, malformed files, bad options) fail again, so they are not retryable. */
const RETRYABLE = new Set(['CL_INTERNAL', 'CL_OUTPUT_UNWRITABLE', 'CL_FILE_UNREADABLE', 'CL_NOT_READY']);

export function isRetryable(code: string): boolean {
  return RETRYABLE.has(code);
}

export interface RunStatus {
  readonly id: string;
  readonly projectId: string;
  readonly datasets: readonly string[];
  readonly state: RunState;
  readonly stage: string | null;
  readonly progress: { readonly done: number; readonly total: number } | null;
  /**
   * Dice comparisons made: while running, those of the dataset pair being scored (kept in memory
   * only, from the scoring stage's progress; one pair except in multi-party runs, whose pairs
   * each count from 0); for a succeeded run, the run's total. The number planned is not known
   * before scoring ends (candidate pairs are counted as blocking partners are deduplicated).
   */
  readonly comparisons: { readonly done: number } | null;
  readonly cancelRequested: boolean;
  readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean } | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Seconds from start to finish (or to now while running). */
  readonly seconds: number | null;
}

export function statusFromRow(row: RunRow, now: Date = new Date()): RunStatus {
  const base = {
    id: row.id,
    projectId: row.project_id,
    datasets: JSON.parse(row.dataset_ids_json) as string[],
    state: row.state,
    stage: row.stage,
    progress: row.done === null || row.total === null ? null : { done: row.done, total: row.total },
    // A succeeded run's row holds its comparisons as the finished progress (stage 'done').
    comparisons:
      row.state === 'succeeded' && row.stage === 'done' && row.done !== null ? { done: row.done } : null,
    cancelRequested: false,
    error:
      row.error_code === null
        ? null
        : { code: row.error_code, message: row.error_message ?? '', retryable: row.retryable === 1 },
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    seconds: null,
  };
  return withSeconds(base, now);
}

export function withSeconds(s: RunStatus, now: Date = new Date()): RunStatus {
  if (s.startedAt === null) return s;
  const end = s.finishedAt === null ? now.getTime() : Date.parse(s.finishedAt);
  return { ...s, seconds: Math.max(0, (end - Date.parse(s.startedAt)) / 1000) };
}
