import { existsSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

/** Nice value of a fresh worker thread that first runs `setup` (Linux: /proc/thread-self/stat field 19). */
function workerNice(setup: 'mark' | 'lower', env: Record<string, string>): Promise<number> {
  const module = new URL('../../dist/src/computePriority.js', import.meta.url).href;
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { readFileSync } = require('node:fs');
    import(${JSON.stringify(module)}).then((m) => {
      m.${setup === 'mark' ? 'markComputeThreads' : 'lowerThisThread'}();
      const stat = readFileSync('/proc/thread-self/stat', 'utf8');
      parentPort.postMessage(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    });`;
  return new Promise((resolve, reject) => {
    const w = new Worker(code, { eval: true, env });
    w.once('message', (n: number) => {
      resolve(n);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

describe.skipIf(!existsSync('/proc/thread-self/stat'))('compute threads run below the HTTP thread', () => {
  it("a marked thread and the workers it starts are reniced; the main thread and the CLI's are not", async () => {
    expect(await workerNice('mark', {})).toBe(10);
    expect(await workerNice('lower', { COHORTLINK_COMPUTE_NICE: '10' })).toBe(10);
    expect(await workerNice('lower', {})).toBe(0);
    // The test's own thread is untouched: nice values are per thread on Linux.
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])).toBe(0);
  });
});
