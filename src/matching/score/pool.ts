/**
 * The scoring thread pool: one per process, created on the first run that asks for workers and
 * reused by every later run (the service runs many). Threads start on demand and leave after a
 * minute idle; idle threads do not keep the process alive. Each run limits itself to its own
 * `workers` tasks in flight, so runs of different widths share the pool.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerFile } from '../../workerPath.js';

let pool: Piscina | undefined;

export function scorePoolSize(): number {
  return Math.max(1, availableParallelism());
}

export function scorePool(): Piscina {
  pool ??= new Piscina({
    filename: workerFile('match'),
    // Started on demand, as the encode pool: tearing down a thread that was still starting up
    // once aborted the process under load.
    minThreads: 0,
    maxThreads: scorePoolSize(),
    idleTimeout: 60_000,
  });
  return pool;
}

/** Stops the pool's threads (tests, service shutdown); the next run starts a new pool. */
export async function closeScorePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}

/** A sample of the pool's load, for the service's metrics. */
export interface ScorePoolStats {
  /**
   * Piscina's `utilization`: the mean run time of completed tasks against the pool's capacity
   * (threads × time) since the pool was created; 0 to 1.
   */
  readonly utilisation: number;
  /** Threads alive now (they start on demand and leave after a minute idle). */
  readonly threads: number;
  /** Tasks waiting for a free thread. */
  readonly queueSize: number;
}

/** The pool's load now, without creating the pool: zeros while there is none. */
export function scorePoolStats(): ScorePoolStats {
  if (pool === undefined) return { utilisation: 0, threads: 0, queueSize: 0 };
  return { utilisation: pool.utilization, threads: pool.threads.length, queueSize: pool.queueSize };
}
