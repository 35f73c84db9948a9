/**
 * Gives every person (cluster of linked records) a linkage key, keeping the keys people already
 * have. Keys are random (see newLinkageKey); nothing about a person or an encoding goes in.
 *
 * Existing keys are claimed by the clusters whose records hold them. A cluster holding one
 * existing key keeps it — so a re-run keeps every key and a new dataset joins existing people.
 * Conflicts are settled deterministically and counted:
 *   - merged: a cluster whose records held several keys keeps the one most of them held (ties:
 *     the older key); its other records are re-keyed;
 *   - split: a key held by records now in several clusters stays with the cluster holding it
 *     most (ties: the cluster with the lower id); the others get new keys.
 */
import { randomBytes } from 'node:crypto';

export interface KeyAssignmentInput {
  /** Per dataset, per record: its cluster id in [0, clusterCount). */
  readonly clusterOf: readonly Int32Array[];
  readonly clusterCount: number;
  /** Per dataset, per record: the key it held before this run, if any. */
  readonly existing: readonly (readonly (string | undefined)[])[];
  /** Age of each existing key (smaller = older); keys missing here count as newest. */
  readonly keyAge?: ReadonlyMap<string, number>;
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
  const age = input.keyAge ?? new Map<string, number>();
  const make = input.newKey ?? newLinkageKey;

  // Tally (cluster, key) → records holding that key in that cluster.
  const tally = new Map<string, Map<number, number>>();
  const keysPerCluster = new Map<number, Set<string>>();
  clusterOf.forEach((clusters, d) => {
    const held = existing[d] ?? [];
    for (let r = 0; r < clusters.length; r++) {
      const key = held[r];
      if (key === undefined) continue;
      const c = clusters[r]!;
      const byCluster = tally.get(key) ?? new Map<number, number>();
      tally.set(key, byCluster);
      byCluster.set(c, (byCluster.get(c) ?? 0) + 1);
      const ks = keysPerCluster.get(c) ?? new Set<string>();
      keysPerCluster.set(c, ks);
      ks.add(key);
    }
  });

  const claims: { key: string; cluster: number; count: number; age: number }[] = [];
  for (const [key, byCluster] of tally)
    for (const [cluster, count] of byCluster)
      claims.push({ key, cluster, count, age: age.get(key) ?? Number.MAX_SAFE_INTEGER });
  claims.sort(
    (a, b) =>
      b.count - a.count ||
      a.age - b.age ||
      a.cluster - b.cluster ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );

  const clusterKey: (string | undefined)[] = new Array(clusterCount).fill(undefined);
  const keyTaken = new Set<string>();
  let kept = 0;
  for (const claim of claims) {
    if (clusterKey[claim.cluster] !== undefined || keyTaken.has(claim.key)) continue;
    clusterKey[claim.cluster] = claim.key;
    keyTaken.add(claim.key);
    kept++;
  }
  let created = 0;
  for (let c = 0; c < clusterCount; c++)
    if (clusterKey[c] === undefined) {
      clusterKey[c] = make();
      created++;
    }

  let merged = 0;
  for (const ks of keysPerCluster.values()) if (ks.size > 1) merged++;
  let split = 0;
  for (const byCluster of tally.values()) if (byCluster.size > 1) split++;
  let recordsRekeyed = 0;
  clusterOf.forEach((clusters, d) => {
    const held = existing[d] ?? [];
    for (let r = 0; r < clusters.length; r++) {
      const key = held[r];
      if (key !== undefined && key !== clusterKey[clusters[r]!]) recordsRekeyed++;
    }
  });

  return {
    clusterKey: clusterKey as string[],
    stats: { people: clusterCount, kept, created, merged, split, recordsRekeyed },
  };
}
