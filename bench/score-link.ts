import { performance } from 'node:perf_hooks';
import { buildBlockIndex } from '../src/blocking/buildIndex.js';
import { readEncodings } from '../src/matching/input/readEncodings.js';
import { WasmArena } from '../src/matching/kernel/index.js';
import { closeScorePool, scoreCandidates } from '../src/matching/score/index.js';

/**
 * node dist/bench/score-link.js LEFT.ndjson RIGHT.ndjson [--floor 0.5] [--topk 8] [--workers 2]
 * [--repeats 2] [--sort on|off] [--table on|off]: the scoring stage of a real link (files read and blocked as
 * `link` does, keyed blocking), timed `repeats` times, wall and CPU seconds, and the runs'
 * results checked to agree.
 */
const args = process.argv.slice(2);
const opt = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const [leftPath, rightPath] = args.filter((a, k) => !a.startsWith('--') && !args[k - 1]?.startsWith('--'));
if (leftPath === undefined || rightPath === undefined)
  throw new Error('usage: score-link LEFT RIGHT [options]');
const floor = Number(opt('--floor') ?? 0.5);
const topK = opt('--topk') === 'none' ? undefined : Number(opt('--topk') ?? 8);
const workers = Number(opt('--workers') ?? 2);
const repeats = Number(opt('--repeats') ?? 2);
const sort = opt('--sort');
const table = opt('--table');

const arena = new WasmArena();
let t0 = performance.now();
const left = await readEncodings(leftPath, { name: 'left', allocator: arena });
const right = await readEncodings(rightPath, { name: 'right', allocator: arena });
console.log(
  `read ${((performance.now() - t0) / 1000).toFixed(1)} s: ${left.store.count} × ${right.store.count}`,
);
t0 = performance.now();
const built = buildBlockIndex(left, right, { mode: 'keys' });
console.log(
  `blocked ${((performance.now() - t0) / 1000).toFixed(1)} s: ${built.report.passes.map((p) => `${p.name} ${p.pairs} pairs (largest ${p.largestBlockPairs})`).join('; ')}`,
);

let peak = process.memoryUsage().rss;
const fingerprints = new Set<string>();
for (let r = 0; r < repeats; r++) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const res = await scoreCandidates(built.index, left.store, right.store, floor, {
    workers,
    topK,
    ...(sort === undefined ? {} : { sortByPopcount: sort === 'on' }),
    ...(table === undefined ? {} : { topKTable: table === 'on' }),
  });
  const seconds = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(c0);
  peak = Math.max(peak, process.memoryUsage().rss);
  const s = res.stats;
  console.log(
    `run ${r + 1}: ${seconds.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU s; ${s.candidatePairs} candidate pairs, ${s.comparisons} compared, ${s.kept} kept`,
  );
  // A fingerprint of the result in row order (by right row within a row), to compare runs.
  const c = res.candidates;
  let h = 0;
  let sum = 0;
  for (let n = 0; n < c.length; n++) {
    h = (Math.imul(h, 31) + c.aIndex[n]! * 7 + c.bIndex[n]!) | 0;
    sum += c.score[n]!;
  }
  fingerprints.add(`${s.candidatePairs}/${s.comparisons}/${s.kept}/${sum.toFixed(6)}/${h}`);
}
await closeScorePool();
console.log(
  fingerprints.size <= 1
    ? `fingerprint: ${[...fingerprints].join('')}`
    : `RUNS DISAGREE: ${[...fingerprints].join('  ')}`,
);
console.log(`peak RSS ${Math.round(peak / 2 ** 20)} MiB`);
