/**
 * Solvers between a left and a right dataset: one-to-one (greedy) and many-to-one (each left
 * record to its best right, spine, record).
 */
import { orderCandidates } from './order.js';
import type { BipartiteOptions, CandidateArrays, Links } from './types.js';
import { badIndex, OptionChecker } from './validate.js';

function checkBipartite(what: string, o: BipartiteOptions): void {
  new OptionChecker(what)
    .count('leftCount', o.leftCount)
    .count('rightCount', o.rightCount)
    .unit('threshold', o.threshold)
    .done();
}

/**
 * Greedy one-to-one linkage: candidates at or above the threshold are taken in descending score
 * (ties: lower left, then lower right index) and a pair becomes a link when neither record is
 * linked yet. Since every pair at or above t is decided before any pair below it, the links at
 * threshold t are exactly the links at any lower threshold that score at least t.
 */
export function oneToOne(c: CandidateArrays, options: BipartiteOptions): Links {
  checkBipartite('oneToOne', options);
  const { leftCount, rightCount } = options;
  const o = orderCandidates(c, options.threshold, leftCount, rightCount);
  const rightOf = new Int32Array(leftCount).fill(-1);
  const scoreOf = new Float64Array(leftCount);
  const rightTaken = new Uint8Array(rightCount);
  const most = Math.min(leftCount, rightCount);
  let links = 0;
  for (let k = 0; k < o.length && links < most; k++) {
    const a = o.a[k]!;
    const b = o.b[k]!;
    if (rightOf[a] !== -1 || rightTaken[b] === 1) continue;
    rightOf[a] = b;
    scoreOf[a] = o.values[o.rank[k]!]!;
    rightTaken[b] = 1;
    links++;
  }
  return collectLinks(rightOf, scoreOf, links, o.length, links, rightCount);
}

/**
 * Many-to-one linkage to a spine: each left record links to its best right record at or above
 * the threshold (ties: the lower right index); a right record may take any number of left records.
 */
export function manyToOne(c: CandidateArrays, options: BipartiteOptions): Links {
  checkBipartite('manyToOne', options);
  const { leftCount, rightCount, threshold } = options;
  const { aIndex, bIndex, score } = c;
  const rightOf = new Int32Array(leftCount).fill(-1);
  const scoreOf = new Float64Array(leftCount);
  let considered = 0;
  let links = 0;
  for (let i = 0; i < c.length; i++) {
    const a = aIndex[i]!;
    const b = bIndex[i]!;
    if (a >= leftCount) badIndex(i, 'aIndex', a, leftCount);
    if (b >= rightCount) badIndex(i, 'bIndex', b, rightCount);
    const s = score[i]!;
    if (!(s >= threshold)) continue;
    considered++;
    const best = rightOf[a]!;
    if (best === -1) links++;
    else if (s < scoreOf[a]! || (s === scoreOf[a]! && b > best)) continue;
    rightOf[a] = b;
    scoreOf[a] = s;
  }
  const rightSeen = new Uint8Array(rightCount);
  let rightLinked = 0;
  for (let a = 0; a < leftCount; a++) {
    const b = rightOf[a]!;
    if (b !== -1 && rightSeen[b] === 0) {
      rightSeen[b] = 1;
      rightLinked++;
    }
  }
  return collectLinks(rightOf, scoreOf, links, considered, rightLinked, rightCount);
}

/**
 * Links from each left record's right partner (-1: none) and score; `links` of them are linked,
 * `considered` candidates were at or above the threshold, `rightLinked` right records linked.
 */
export function collectLinks(
  rightOf: Int32Array,
  scoreOf: Float64Array,
  links: number,
  considered: number,
  rightLinked: number,
  rightCount: number,
): Links {
  const left = new Uint32Array(links);
  const right = new Uint32Array(links);
  const score = new Float64Array(links);
  for (let a = 0, k = 0; a < rightOf.length; a++) {
    const b = rightOf[a]!;
    if (b === -1) continue;
    left[k] = a;
    right[k] = b;
    score[k++] = scoreOf[a]!;
  }
  return {
    left,
    right,
    score,
    length: links,
    candidatesConsidered: considered,
    rightLinked,
    leftUnlinked: rightOf.length - links,
    rightUnlinked: rightCount - rightLinked,
  };
}
