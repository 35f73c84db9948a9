/**
 * The TS kernel's inner loop: one A row against a run of B rows. For filters up to
 * MAX_UNROLLED_WORDS words, the loop is generated once per length with the A row in local
 * constants and the words unrolled, which KERNEL-NOTES measured at half the cost of indexing
 * the A row (typed-array reads of A dominate otherwise). Popcounts use two lookups per 32-bit
 * word in a 16-bit table. The generated source holds only numbers, never data.
 */

/**
 * Writes the B index and common-bit count of every candidate to outJ/outC (room for jEnd − j)
 * and the number of pairs that passed the popcount bound to state[0]; returns the candidates.
 */
export type RowScan = (
  A: Uint32Array,
  aOff: number,
  B: Uint32Array,
  bPop: Uint16Array,
  j: number,
  jEnd: number,
  lo: number,
  span: number,
  need: Int32Array,
  needOff: number,
  table: Uint8Array,
  outJ: Uint32Array,
  outC: Uint32Array,
  state: Uint32Array,
) => number;

/** 4096 bits: past this a generated body stops paying for its size. */
const MAX_UNROLLED_WORDS = 128;

const PARAMS = 'A, aOff, B, bPop, j, jEnd, lo, span, need, needOff, T, outJ, outC, state';
const scans = new Map<number, RowScan>();

export function rowScanFor(words: number): RowScan {
  let scan = scans.get(words);
  if (scan === undefined) {
    scan = words <= MAX_UNROLLED_WORDS ? generate(words) : loopScan(words);
    scans.set(words, scan);
  }
  return scan;
}

function generate(words: number): RowScan {
  const load: string[] = [];
  const sum: string[] = [];
  for (let k = 0; k < words; k++) {
    load.push(`const a${k} = A[aOff + ${k}];`);
    sum.push(`x = a${k} & B[o + ${k}]; c ${k === 0 ? '=' : '+='} T[x & 0xffff] + T[x >>> 16];`);
  }
  const body = `'use strict';
${load.join('\n')}
let n = 0, compared = 0, x = 0, c = 0;
for (let o = j * ${words}; j < jEnd; j++, o += ${words}) {
  const pb = bPop[j];
  if (((pb - lo) >>> 0) > span) continue;
  compared++;
  ${sum.join('\n  ')}
  if (c >= need[needOff + pb]) { outJ[n] = j; outC[n] = c; n++; }
}
state[0] = compared;
return n;`;
  return new Function(...PARAMS.split(', '), body) as RowScan;
}

function loopScan(words: number): RowScan {
  return (A, aOff, B, bPop, j, jEnd, lo, span, need, needOff, T, outJ, outC, state) => {
    let n = 0;
    let compared = 0;
    for (let o = j * words; j < jEnd; j++, o += words) {
      const pb = bPop[j]!;
      if ((pb - lo) >>> 0 > span) continue;
      compared++;
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
