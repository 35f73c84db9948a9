/**
 * The TS kernel's pair-list loop: one A row against B rows named by a list. Same scheme as
 * tsRowScan.ts (A row in generated local constants, two 16-bit table lookups per word), only
 * each B row's offset comes from the list instead of a running counter.
 */

/**
 * Compares A row (words from aOff) with B rows list[p..pEnd); writes each candidate's B row
 * and common-bit count to outJ/outC (room for pEnd − p) and the pairs that passed the popcount
 * bound to state[0]; returns the candidates.
 */
export type PairScan = (
  A: Uint32Array,
  aOff: number,
  B: Uint32Array,
  bPop: Uint16Array,
  list: Uint32Array,
  p: number,
  pEnd: number,
  lo: number,
  span: number,
  need: Int32Array,
  needOff: number,
  table: Uint8Array,
  outJ: Uint32Array,
  outC: Uint32Array,
  state: Uint32Array,
) => number;

/** 4096 bits, as tsRowScan: past this a generated body stops paying for its size. */
const MAX_UNROLLED_WORDS = 128;

const PARAMS = [
  'A',
  'aOff',
  'B',
  'bPop',
  'list',
  'p',
  'pEnd',
  'lo',
  'span',
  'need',
  'needOff',
  'T',
  'outJ',
  'outC',
  'state',
];
const scans = new Map<number, PairScan>();

export function pairScanFor(words: number): PairScan {
  let scan = scans.get(words);
  if (scan === undefined) {
    scan = words <= MAX_UNROLLED_WORDS ? generate(words) : loopScan(words);
    scans.set(words, scan);
  }
  return scan;
}

function generate(words: number): PairScan {
  const load: string[] = [];
  const sum: string[] = [];
  for (let k = 0; k < words; k++) {
    load.push(`const a${k} = A[aOff + ${k}];`);
    sum.push(`x = a${k} & B[o + ${k}]; c ${k === 0 ? '=' : '+='} T[x & 0xffff] + T[x >>> 16];`);
  }
  // The generated source holds only numbers, never data.
  const body = `'use strict';
${load.join('\n')}
let n = 0, compared = 0, x = 0, c = 0;
for (; p < pEnd; p++) {
  const j = list[p];
  const pb = bPop[j];
  if (((pb - lo) >>> 0) > span) continue;
  compared++;
  const o = j * ${words};
  ${sum.join('\n  ')}
  if (c >= need[needOff + pb]) { outJ[n] = j; outC[n] = c; n++; }
}
state[0] = compared;
return n;`;
  return new Function(...PARAMS, body) as PairScan;
}

function loopScan(words: number): PairScan {
  return (A, aOff, B, bPop, list, p, pEnd, lo, span, need, needOff, T, outJ, outC, state) => {
    let n = 0;
    let compared = 0;
    for (; p < pEnd; p++) {
      const j = list[p]!;
      const pb = bPop[j]!;
      if ((pb - lo) >>> 0 > span) continue;
      compared++;
      const o = j * words;
      let c = 0;
      for (let k = 0; k < words; k++) {
        const x = A[aOff + k]! & B[o + k]!;
        c += T[x & 0xffff]! + T[x >>> 16]!;
      }
      if (c >= need[needOff + pb]!) {
        outJ[n] = j;
        outC[n] = c;
        n++;
      }
    }
    state[0] = compared;
    return n;
  };
}
