/**
 * People from links: every record belongs to exactly one cluster (a person), linked or not, so
 * every record gets a linkage key. Cluster ids are dense and deterministic: numbered in order
 * of the first record (left dataset first) that belongs to them.
 */
import type { Links } from '../solve/types.js';

export interface Clusters {
  readonly clusterOf: Int32Array[];
  readonly clusterCount: number;
}

/** One-to-one links: a linked pair is one person; every other record is a person alone. */
export function clustersFromLinks(links: Links, leftCount: number, rightCount: number): Clusters {
  const leftC = new Int32Array(leftCount).fill(-1);
  const rightC = new Int32Array(rightCount).fill(-1);
  const partner = new Int32Array(leftCount).fill(-1);
  for (let k = 0; k < links.length; k++) partner[links.left[k]!] = links.right[k]!;
  let next = 0;
  for (let i = 0; i < leftCount; i++) {
    leftC[i] = next;
    const j = partner[i]!;
    if (j >= 0) rightC[j] = next;
    next++;
  }
  for (let j = 0; j < rightCount; j++) if (rightC[j]! < 0) rightC[j] = next++;
  return { clusterOf: [leftC, rightC], clusterCount: next };
}

/** Many-to-one links to a spine (right): a spine record and every left record linked to it are one person. */
export function clustersFromManyToOne(links: Links, leftCount: number, rightCount: number): Clusters {
  const leftC = new Int32Array(leftCount).fill(-1);
  const rightC = new Int32Array(rightCount).fill(-1);
  const spineOf = new Int32Array(leftCount).fill(-1);
  for (let k = 0; k < links.length; k++) spineOf[links.left[k]!] = links.right[k]!;
  let next = 0;
  for (let i = 0; i < leftCount; i++) {
    const j = spineOf[i]!;
    if (j < 0) leftC[i] = next++;
    else {
      if (rightC[j]! < 0) rightC[j] = next++;
      leftC[i] = rightC[j]!;
    }
  }
  for (let j = 0; j < rightCount; j++) if (rightC[j]! < 0) rightC[j] = next++;
  return { clusterOf: [leftC, rightC], clusterCount: next };
}
