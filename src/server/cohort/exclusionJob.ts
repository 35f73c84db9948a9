/**
 * What the cohort's exclusion matching needs, as plain data (paths and names, no database), so
 * it runs on a thread of its own (workers/exclusion.ts): it reads whole encodings and attribute
 * files and compares every record of the run with every exclusion source.
 */
import { readAttributes } from '../../cohort/attributes/index.js';
import {
  type ExclusionPairReport,
  type ExclusionSource,
  matchExclusions,
} from '../../matching/exclude/matchExclusions.js';
import { matchTies, type Tie } from '../../matching/exclude/matchTies.js';
import { encodingRefs } from './encodingRefs.js';

export interface ExclusionJob {
  /** The run's datasets whose records could be invited or counted (name = dataset id). */
  readonly targets: readonly { readonly name: string; readonly path: string }[];
  /** Opt-out registers of the project (encodings). */
  readonly optouts: readonly { readonly name: string; readonly path: string }[];
  /** Every project dataset with attributes: its records flagged deceased are a source. */
  readonly deceased: readonly {
    readonly name: string;
    readonly path: string;
    readonly attributesPath: string;
  }[];
  /** The run's contactable datasets (a subset of targets), and which may repeat a person. */
  readonly contactable: readonly {
    readonly name: string;
    readonly path: string;
    readonly repeats: boolean;
  }[];
  readonly linkThreshold: number;
  readonly floor: number;
  readonly workers: number;
}

export interface ExclusionOutcome {
  /** Per target dataset id: [ref, reason mask] of every excluded record. */
  readonly excluded: readonly (readonly [string, readonly (readonly [string, number])[]])[];
  readonly pairs: readonly ExclusionPairReport[];
  /** Records of contactable datasets that may be one person (matchTies.ts). */
  readonly ties: readonly Tie[];
}

export async function runExclusionJob(job: ExclusionJob): Promise<ExclusionOutcome> {
  const sources: ExclusionSource[] = job.optouts.map((o) => ({ ...o, reason: 'optout' }));
  for (const d of job.deceased) {
    const attributes = await readAttributes(d.attributesPath, {
      dataset: d.name,
      knownRefs: await encodingRefs(d.path),
    });
    const refs = attributes.refs.filter((_, i) => attributes.deceased[i] === 1);
    if (refs.length > 0) sources.push({ name: d.name, path: d.path, reason: 'deceased', refs });
  }
  const result = await matchExclusions({
    targets: job.targets,
    sources,
    linkThreshold: job.linkThreshold,
    floor: job.floor,
    workers: job.workers, // 0: scored on this thread, which is already off the main one
  });
  const ties = await matchTies({
    targets: job.contactable,
    repeats: job.contactable.map((c) => c.repeats),
    linkThreshold: job.linkThreshold,
    floor: job.floor,
    workers: job.workers,
  });
  return {
    excluded: [...result.excluded].map(([target, refs]) => [target, [...refs]] as const),
    pairs: result.pairs,
    ties,
  };
}
