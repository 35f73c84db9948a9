import { benchScore, printScoreResult } from './score.js';

/**
 * node dist/bench/score-run.js [--left N] [--right N] [--passes P] [--block B] [--floor t]
 * [--workers 0,1,2] [--repeats r] [--ordered] [--skewed] [--topk k]: the scoring-stage table
 * on its own. `--skewed --passes 4` looks like keyed blocking of real data (power-law block
 * sizes, true pairs found by every pass).
 */
const args = process.argv.slice(2);
const num = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};
const w = args.indexOf('--workers');
printScoreResult(
  await benchScore({
    nLeft: num('--left'),
    nRight: num('--right'),
    passes: num('--passes'),
    blockSize: num('--block'),
    floor: num('--floor'),
    repeats: num('--repeats'),
    ordered: args.includes('--ordered'),
    skewed: args.includes('--skewed'),
    topK: num('--topk'),
    workers: w >= 0 ? args[w + 1]!.split(',').map(Number) : undefined,
  }),
);
