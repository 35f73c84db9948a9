import { benchKernel, printKernelResult } from './kernel.js';

/**
 * `npm run bench:kernel` (or node dist/bench/kernel-run.js [--a N] [--b N] [--bits L]
 * [--threshold t] [--repeats r] [--no-native]): the Dice kernel table on its own.
 */
const args = process.argv.slice(2);
const num = (flag: string) => {
  const i = args.indexOf(flag);
  return i >= 0 ? Number(args[i + 1]) : undefined;
};

const result = await benchKernel({
  nA: num('--a'),
  nB: num('--b'),
  bits: num('--bits'),
  threshold: num('--threshold'),
  repeats: num('--repeats'),
  native: !args.includes('--no-native'),
});
printKernelResult(result);
