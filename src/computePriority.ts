/**
 * The service's compute threads (the link thread, the scoring pool, parallel readers, the
 * report thread) run at a lower CPU priority than the thread that answers HTTP, so a linkage
 * run using every core cannot starve requests: on 2 cores, status p99 rose to 50–80 ms once
 * scoring kept both cores busy. Linux keeps a nice value per thread, so renicing a worker thread
 * leaves the main thread alone. The CLI does not set this, and elsewhere it is a no-op.
 */
import { setPriority } from 'node:os';

/** Worker threads inherit their creator's environment: set here, read by every compute thread. */
const ENV = 'COHORTLINK_COMPUTE_NICE';
const SERVICE_NICE = 10;

/** In the service's link and report threads, before they start workers of their own. */
export function markComputeThreads(): void {
  process.env[ENV] = String(SERVICE_NICE);
  lowerThisThread();
}

/** At the top of every worker entry point: lowers this thread if its creator asked for it. */
export function lowerThisThread(): void {
  const nice = Number(process.env[ENV] ?? 0);
  if (!(nice > 0)) return;
  try {
    setPriority(Math.min(19, nice));
  } catch {
    // Not permitted or not supported: the thread keeps its priority; nothing else changes.
  }
}
