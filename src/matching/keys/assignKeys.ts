/**
 * Gives every person (cluster of linked records) a linkage key, keeping the keys people already
 * have. Keys are random (see newLinkageKey); nothing about a person or an encoding goes in.
 *
 * Existing keys are claimed by the clusters whose records hold them. A cluster holding one
 * existing key keeps it — so a re-run keeps every key and a new dataset joins existing people.
 * Conflicts are settled deterministically and counted:
 *   - merged: a cluster whose records held several keys keeps the one most of them held (ties:
 *     the smaller key); its other records are re-keyed;
 *   - split: a key held by records now in several clusters stays with the cluster holding it
 *     most (ties: the cluster with the lower id); the others get new keys.
 * Claims are (cluster, key, records holding it), granted greedily by count, then cluster id,
 * then key. Everything per record is typed arrays: a million-person re-run costs about a second.
 */
import { randomBytes } from 'node:crypto';

export interface KeyAssignmentInput {
  /** Per dataset, per record: its cluster id in [0, clusterCount). */
  readonly clusterOf: readonly Int32Array[];
  readonly clusterCount: number;
  /** Per dataset, per record: the key it held before this run, if any. */
  readonly existing: readonly (readonly (string | undefined)[])[];
  /** Key factory; tests inject a deterministic one. */
  readonly newKey?: () => string;
}

export interface KeyAssignment {
  /** The key of each cluster. */
  readonly clusterKey: readonly string[];
  readonly stats: KeyAssignmentStats;
}

export interface KeyAssignmentStats {
  readonly people: number;
  /** Clusters that kept an existing key. */
  readonly kept: number;
  /** Clusters given a new key (new people, or the losing side of a split). */
  readonly created: number;
  readonly merged: number;
  readonly split: number;
  /** Records whose key changed from the one they held. */
  readonly recordsRekeyed: number;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random bytes drawn in bulk: one randomBytes call per key cost a second per million keys. */
let pool = Buffer.alloc(0);
let poolPos = 0;
const KEY_BYTES = 17; // 136 bits drawn, 130 used (26 characters × 5 bits)

/** 128+ random bits as 26 Crockford base32 characters, prefixed so a key is recognisable. */
export function newLinkageKey(): string {
  if (poolPos + KEY_BYTES > pool.length) {
    pool = randomBytes(KEY_BYTES * 4096);
    poolPos = 0;
  }
  let out = 'lk_';
  let acc = 0;
  let bits = 0;
  for (let i = poolPos; out.length < 29; i++) {
    acc = (acc << 8) | pool[i]!;
    bits += 8;
    while (bits >= 5 && out.length < 29) {
      bits -= 5;
      out += CROCKFORD[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  poolPos += KEY_BYTES;
  return out;
}

export function assignLinkageKeys(input: KeyAssignmentInput): KeyAssignment {
  const { clusterOf, clusterCount, existing } = input;
  const make = input.newKey ?? newLinkageKey;

  // Existing keys as dense ids, records' keys as Int32Arrays (-1: none).
  const keyId = new Map<string, number>();
  const keyText: string[] = [];
  const recordKey = clusterOf.map((clusters, d) => {
    const held = existing[d] ?? [];
    const ids = new Int32Array(clusters.length).fill(-1);
    for (let r = 0; r < clusters.length; r++) {
      const k = held[r];
      if (k === undefined) continue;
      let id = keyId.get(k);
      if (id === undefined) {
        id = keyText.length;
        keyId.set(k, id);
        keyText.push(k);
      }
      ids[r] = id;
    }
    return ids;
  });

  // Held keys grouped by cluster (CSR), records without a key left out.
  const start = new Int32Array(clusterCount + 1);
  clusterOf.forEach((clusters, d) => {
    const keys = recordKey[d]!;
    for (let r = 0; r < clusters.length; r++) if (keys[r]! >= 0) start[clusters[r]! + 1]!++;
  });
  for (let c = 0; c < clusterCount; c++) start[c + 1]! += start[c]!;
  const heldKeys = new Int32Array(start[clusterCount]!);
  const fill = start.slice(0, clusterCount);
  clusterOf.forEach((clusters, d) => {
    const keys = recordKey[d]!;
    for (let r = 0; r < clusters.length; r++) if (keys[r]! >= 0) heldKeys[fill[clusters[r]!]!++] = keys[r]!;
  });

  // Claims per cluster: each distinct held key with its count, best first (count, then key).
  const claimCluster: number[] = [];
  const claimKey: number[] = [];
  const claimCount: number[] = [];
  const clustersPerKey = new Int32Array(keyText.length);
  let merged = 0;
  let maxCount = 0;
  for (let c = 0; c < clusterCount; c++) {
    const from = start[c]!;
    const to = start[c + 1]!;
    if (from === to) continue;
    const held = heldKeys.subarray(from, to).sort();
    const local: { key: number; count: number }[] = [];
    for (let i = 0; i < held.length; ) {
      let j = i + 1;
      while (j < held.length && held[j] === held[i]) j++;
      local.push({ key: held[i]!, count: j - i });
      clustersPerKey[held[i]!]!++;
      i = j;
    }
    if (local.length > 1) {
      merged++;
      local.sort((a, b) => b.count - a.count || compareText(keyText[a.key]!, keyText[b.key]!));
    }
    for (const { key, count } of local) {
      claimCluster.push(c);
      claimKey.push(key);
      claimCount.push(count);
      if (count > maxCount) maxCount = count;
    }
  }

  // Stable counting sort by count, descending: claims stay in cluster order within a count.
  const byCount = new Int32Array(maxCount + 2);
  for (const n of claimCount) byCount[maxCount - n + 1]!++;
  for (let k = 1; k < byCount.length; k++) byCount[k]! += byCount[k - 1]!;
  const order = new Int32Array(claimCount.length);
  for (let i = 0; i < claimCount.length; i++) order[byCount[maxCount - claimCount[i]!]!++] = i;

  const clusterKey: (string | undefined)[] = new Array(clusterCount);
  const keyTaken = new Uint8Array(keyText.length);
  let kept = 0;
  for (const i of order) {
    const c = claimCluster[i]!;
    const k = claimKey[i]!;
    if (clusterKey[c] !== undefined || keyTaken[k] === 1) continue;
    clusterKey[c] = keyText[k];
    keyTaken[k] = 1;
    kept++;
  }
  let created = 0;
  for (let c = 0; c < clusterCount; c++)
    if (clusterKey[c] === undefined) {
      clusterKey[c] = make();
      created++;
    }

  let split = 0;
  for (const n of clustersPerKey) if (n > 1) split++;
  let recordsRekeyed = 0;
  clusterOf.forEach((clusters, d) => {
    const keys = recordKey[d]!;
    for (let r = 0; r < clusters.length; r++)
      if (keys[r]! >= 0 && keyText[keys[r]!] !== clusterKey[clusters[r]!]) recordsRekeyed++;
  });

  return {
    clusterKey: clusterKey as string[],
    stats: { people: clusterCount, kept, created, merged, split, recordsRekeyed },
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
