/**
 * The link thread: executes runs with `runLink` and writes their files, off the main thread.
 * Reading a million encodings, blocking, solving, assigning keys and writing ~100 MB of CSV are
 * seconds of synchronous work each; on the main thread they would stall every HTTP request
 * (status p99 would be the longest stage). Here only progress messages (and, while runs are
 * active, a once-a-second sample of the scoring pool's load) reach the main thread.
 * The scoring pool (`scorePool`) is created by this thread and shared by all its runs; it is
 * closed on shutdown.
 */
import { parentPort } from 'node:worker_threads';
import { markComputeThreads } from '../../computePriority.js';
import { CohortlinkError, isCohortlinkError } from '../../errors.js';
import { readKeyFile } from '../../matching/keys/keyFiles.js';
import { type KeySource, type LinkProgress, runLink } from '../../matching/link/runLink.js';
import { runSummary } from '../../matching/link/summary.js';
import { writeLinkOutputs } from '../../matching/output/writeLinkOutputs.js';
import { closeScorePool } from '../../matching/score/index.js';
import { scorePoolStats } from '../../matching/score/pool.js';
import type { FromLinkThread, LinkJob, ToLinkThread } from './protocol.js';

markComputeThreads();

/** Progress messages per run at most this often (ms), besides one at every stage change. */
const PROGRESS_EVERY_MS = 100;
/** Scoring pool samples this often (ms) while any run is active. */
const POOL_SAMPLE_EVERY_MS = 1000;

const port = parentPort;
if (port === null) throw new Error('linkThread.ts runs as a worker thread');
const post = (m: FromLinkThread): void => port.postMessage(m);
const running = new Map<string, AbortController>();
let sampler: ReturnType<typeof setInterval> | undefined;

/** Posts the scoring pool's load: a few numbers, read from the pool without touching its work. */
const samplePool = (): void => post({ type: 'pool', ...scorePoolStats() });

port.on('message', (m: ToLinkThread) => {
  if (m.type === 'start') void execute(m.job);
  else if (m.type === 'cancel') running.get(m.runId)?.abort();
  else void shutdown();
});

async function shutdown(): Promise<void> {
  for (const c of running.values()) c.abort();
  clearInterval(sampler);
  sampler = undefined;
  await closeScorePool();
  post({ type: 'closed' });
  port?.close();
}

async function execute(job: LinkJob): Promise<void> {
  const controller = new AbortController();
  running.set(job.runId, controller);
  samplePool();
  sampler ??= setInterval(samplePool, POOL_SAMPLE_EVERY_MS);
  try {
    const onProgress = progressReporter(job);
    const result = await runLink({
      inputs: job.inputs.map((i) => ({
        name: i.name,
        path: i.path,
        ...(i.repeats !== undefined ? { repeats: i.repeats } : {}),
      })),
      options: job.options,
      keySource: previousKeySource(job.previousKeys),
      onProgress,
      signal: controller.signal,
    });
    // The last point where a cancel is honoured: after this the files are written and the
    // manager decides (it discards the result of a run cancelled meanwhile).
    if (controller.signal.aborted) throw new CohortlinkError('CL_CANCELLED', 'the linkage run was cancelled');
    post({ type: 'progress', runId: job.runId, stage: 'write', done: 0, total: 1 });
    // The floor links of a bipartite run let feasibility recluster at other thresholds (its
    // linkage range); dedup and multi runs cluster from candidates, which are not kept.
    const bipartite = result.options.mode === 'one-to-one' || result.options.mode === 'many-to-one';
    writeLinkOutputs(result, {
      links: job.output.links,
      keysDir: job.output.keysDir,
      summary: job.output.summary,
      ...(bipartite ? { scores: job.output.linksFloor } : {}),
    });
    const records: Record<string, number> = {};
    for (const d of result.datasets) records[d.name] = d.store.count;
    // Before 'done', so the main thread has this run's last sample when it learns the outcome.
    samplePool();
    post({
      type: 'done',
      runId: job.runId,
      result: {
        summary: runSummary(result),
        records,
        comparisons: result.pairs.reduce((s, p) => s + p.comparisons, 0),
      },
    });
  } catch (err) {
    // Only cohortlink's own messages leave the thread: they never carry identifier values.
    // Anything else may (a parser quoting its input), so it is reported by code alone.
    if (isCohortlinkError(err))
      post({ type: 'failed', runId: job.runId, code: err.code, message: err.message });
    else
      post({ type: 'failed', runId: job.runId, code: 'CL_INTERNAL', message: 'the run failed unexpectedly' });
  } finally {
    running.delete(job.runId);
    if (running.size === 0) {
      clearInterval(sampler);
      sampler = undefined;
    }
  }
}

/** Keys of the previous run that keyed each dataset; read lazily, once per dataset. */
function previousKeySource(files: Readonly<Record<string, string>>): KeySource {
  return {
    existingKeys(dataset, refs) {
      const path = files[dataset];
      if (path === undefined) return [];
      const held = readKeyFile(path);
      return refs.map((r) => held.get(r));
    },
  };
}

/**
 * runLink reports reading progress as bytes of the file being read (restarting at each file);
 * the run's reading progress is bytes of all its files, so finished files are added in.
 * While scoring, comparisons made so far in the dataset pair being scored ride along; the last
 * report of a pair (all its rows done) is always sent, so the count a pair ends on is not lost
 * to the rate limit.
 */
function progressReporter(job: LinkJob): (p: LinkProgress) => void {
  const totalBytes = job.inputs.reduce((s, i) => s + i.bytes, 0);
  let stage = '';
  let last = 0;
  let filesDone = 0;
  let lastBytes = 0;
  return (p) => {
    let { done, total } = p;
    if (p.stage === 'load') {
      if (done < lastBytes) filesDone += lastBytes;
      lastBytes = done;
      done += filesDone;
      total = totalBytes;
    }
    const now = performance.now();
    const endOfPair = p.stage === 'score' && p.done === p.total;
    if (p.stage === stage && now - last < PROGRESS_EVERY_MS && !endOfPair) return;
    stage = p.stage;
    last = now;
    post({
      type: 'progress',
      runId: job.runId,
      stage: p.stage,
      done,
      total,
      ...(p.comparisonsDone !== undefined ? { comparisons: p.comparisonsDone } : {}),
    });
  };
}
