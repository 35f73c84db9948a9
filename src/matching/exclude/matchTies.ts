/**
 * Ties between the records of a run's contactable datasets, for "one invitation per person":
 * two records tied here may be one person whom the run's links left apart (a missed link, or a
 * second hospital episode the solver could not attach), so the cohort invites such people at
 * most once, and not at all if any of them is excluded. The rule is exclusion matching's
 * (matchExclusions.ts): between two datasets, a record's best partner at the recall-0.999
 * threshold, or agreement on keyed block keys; within one dataset, the clusters of a dedup at
 * the run's threshold less EXCLUSION_MARGIN. It errs towards tying: a tie costs at most one
 * invitation, a missed tie can mean two letters to one person.
 */
import type { EncodedDataset } from '../input/readEncodings.js';
import { runLink } from '../link/runLink.js';
import { EXCLUSION_MARGIN, type ExclusionTarget, exclusionLevels } from './matchExclusions.js';
import { DEFAULT_SHARED_KEY_RULE, sharedKeyMatches } from './sharedKeyMatches.js';

export interface TieRequest {
  readonly targets: readonly ExclusionTarget[];
  /** Targets whose records may repeat a person (care datasets): deduplicated within too. */
  readonly repeats: readonly boolean[];
  readonly linkThreshold: number;
  readonly floor: number;
  readonly workers?: number;
}

/** Records of one dataset sharing an identifier key (an NHS number given twice). */
function identifierTies(name: string, d: EncodedDataset): Tie[] {
  const ties: Tie[] = [];
  for (const key of DEFAULT_SHARED_KEY_RULE.identifierKeys) {
    const col = d.blockKeys.get(key);
    if (col === undefined) continue;
    const first = new Map<number, number>();
    col.ids.forEach((id, rec) => {
      if (id < 0) return;
      const f = first.get(id);
      if (f === undefined) first.set(id, rec);
      else ties.push([name, d.refs[f]!, name, d.refs[rec]!]);
    });
  }
  return ties;
}

/** [target name, ref, target name, ref] of every tie. */
export type Tie = readonly [string, string, string, string];

export async function matchTies(req: TieRequest): Promise<Tie[]> {
  const ties: Tie[] = [];
  const workers = req.workers ?? 0;
  const { targets } = req;
  for (let i = 0; i < targets.length; i++) {
    const a = targets[i]!;
    if (req.repeats[i]) {
      const r = await runLink({
        inputs: [{ name: 'a', path: a.path }],
        options: {
          mode: 'dedup',
          // Dedup has no threshold model to read the null from: the unfolded `uk` level.
          threshold: exclusionLevels(undefined, req.floor, req.linkThreshold + EXCLUSION_MARGIN).threshold,
          floor: req.floor,
          workers,
        },
      });
      const first = new Map<number, number>();
      r.clusterOf[0]!.forEach((c, rec) => {
        const f = first.get(c);
        if (f === undefined) first.set(c, rec);
        else ties.push([a.name, r.datasets[0]!.refs[f]!, a.name, r.datasets[0]!.refs[rec]!]);
      });
    }
    // Each record's best partner in every other dataset, both ways: a spine record with two
    // hospital episodes ties to both through the episodes' own best partners.
    for (let j = 0; j < targets.length; j++) {
      if (j === i) continue;
      const b = targets[j]!;
      const r = await runLink({
        inputs: [
          { name: 'a', path: a.path },
          { name: 'b', path: b.path },
        ],
        options: { mode: 'many-to-one', threshold: req.floor, floor: req.floor, workers },
      });
      const [da, db] = r.datasets as [EncodedDataset, EncodedDataset];
      const chosen = exclusionLevels(r.thresholdModel, req.floor, req.linkThreshold);
      const partner = sharedKeyMatches(da, db, {
        ...DEFAULT_SHARED_KEY_RULE,
        floor: req.floor,
        oneKeyDice: chosen.oneKeyDice,
      });
      const links = r.pairs[0]!.linksAtFloor;
      for (let k = 0; k < links.length; k++)
        if (links.score[k]! >= chosen.threshold && partner[links.left[k]!]! < 0)
          partner[links.left[k]!] = links.right[k]!;
      partner.forEach((p, rec) => {
        if (p >= 0) ties.push([a.name, da.refs[rec]!, b.name, db.refs[p]!]);
      });
      if (req.repeats[i] && j === (i === 0 ? 1 : 0)) ties.push(...identifierTies(a.name, da));
    }
    if (req.repeats[i] && targets.length === 1) {
      const r = await runLink({
        inputs: [{ name: 'a', path: a.path }],
        options: { mode: 'dedup', floor: req.floor, workers },
      });
      ties.push(...identifierTies(a.name, r.datasets[0]!));
    }
  }
  return ties;
}
