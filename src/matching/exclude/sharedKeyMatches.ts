/**
 * The second way a record is tied to an exclusion source: agreement on keyed block keys, which
 * catches true matches whose whole-record Dice is low (a married name, a move and a typo at
 * once) without lowering the Dice threshold for everyone. On generated data every opt-out whose
 * best Dice fell below 0.75 shared the NHS-number key or two other keys with its register
 * record, while no non-match did (bench/exclusion.ts measures this on other seeds and sizes).
 *
 * A target record matches a source record if
 *   - they share an identifier key (a block key that is a national identifier on its own, the
 *     NHS number in the built-in schema: the National Data Opt-out itself is keyed on it), or
 *   - they share at least `minSharedKeys` block keys and their Dice is at least `floor`, or
 *     share one and their Dice is at least `oneKeyDice`.
 * Keys are compared through their 64-bit hashes, since each file interns its own ids.
 */
import type { EncodedDataset } from '../input/readEncodings.js';
import { popcount32 } from '../kernel/popcount.js';

export interface SharedKeyRule {
  /** Block key names that identify a person on their own. */
  readonly identifierKeys: readonly string[];
  readonly minSharedKeys: number;
  readonly floor: number;
  /** One shared key suffices at this Dice (a married name with no NHS number and no postcode). */
  readonly oneKeyDice: number;
}

export const DEFAULT_SHARED_KEY_RULE: SharedKeyRule = {
  identifierKeys: ['nhs'],
  minSharedKeys: 2,
  floor: 0.5,
  oneKeyDice: 0.6,
};

/** Per target record: the first source record it matches under the rule, or -1. */
export function sharedKeyMatches(
  target: EncodedDataset,
  source: EncodedDataset,
  rule: SharedKeyRule,
): Int32Array {
  const out = new Int32Array(target.refs.length).fill(-1);
  const names = [...target.blockKeys.keys()].filter((k) => source.blockKeys.has(k));
  if (names.length === 0) return out;
  // Per key name: source records grouped by key id (CSR), so a target's partners are one lookup.
  const groups = names.map((name) => {
    const col = source.blockKeys.get(name)!;
    const size = col.keys.size;
    const offsets = new Int32Array(size + 1);
    for (const id of col.ids) if (id >= 0) offsets[id + 1]!++;
    for (let k = 0; k < size; k++) offsets[k + 1]! += offsets[k]!;
    const fill = offsets.slice(0, size);
    const members = new Int32Array(offsets[size]!);
    col.ids.forEach((id, s) => {
      if (id >= 0) members[fill[id]!++] = s;
    });
    return {
      name,
      identifier: rule.identifierKeys.includes(name),
      target: target.blockKeys.get(name)!,
      col,
      offsets,
      members,
    };
  });
  const shared = new Map<number, number>();
  for (let t = 0; t < out.length; t++) {
    shared.clear();
    for (const g of groups) {
      const id = g.target.ids[t]!;
      if (id < 0) continue;
      const sid = g.col.keys.lookup(g.target.keys.hi[id]!, g.target.keys.lo[id]!);
      if (sid < 0) continue;
      if (g.identifier && g.offsets[sid + 1]! > g.offsets[sid]!) {
        out[t] = g.members[g.offsets[sid]!]!;
        break;
      }
      for (let i = g.offsets[sid]!; i < g.offsets[sid + 1]!; i++) {
        const s = g.members[i]!;
        shared.set(s, (shared.get(s) ?? 0) + 1);
      }
    }
    if (out[t]! >= 0) continue;
    for (const [s, n] of shared)
      if (dice(target, t, source, s) >= (n >= rule.minSharedKeys ? rule.floor : rule.oneKeyDice)) {
        out[t] = s;
        break;
      }
  }
  return out;
}

function dice(a: EncodedDataset, i: number, b: EncodedDataset, j: number): number {
  const w = a.store.wordsPerFilter;
  const aw = a.store.words;
  const bw = b.store.words;
  let common = 0;
  for (let k = 0; k < w; k++) common += popcount32(aw[i * w + k]! & bw[j * w + k]!);
  const total = a.store.popcounts[i]! + b.store.popcounts[j]!;
  return total === 0 ? 0 : (2 * common) / total;
}
