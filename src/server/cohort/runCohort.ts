/**
 * The linked people of one succeeded run: every dataset's keys file joined with its stored
 * attributes and events (`joinThroughKeys`), cached in memory per run, since feasibility
 * queries repeat over the same run and the join reads every file. A new attribute upload for a
 * dataset of the run drops the cached join. For one-to-one and many-to-one runs the cache also
 * holds the people as the run would have grouped them at threshold ± BORDERLINE_MARGIN (from
 * the run's floor links; linkageRange.ts), for feasibility's linkage range.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DatasetAttributes,
  type DatasetEvents,
  type JoinedCohort,
  type JoinInput,
  joinThroughKeys,
  readAttributes,
  readEvents,
} from '../../cohort/attributes/index.js';
import { CohortlinkError } from '../../errors.js';
import { readKeyFile } from '../../matching/keys/keyFiles.js';
import { datasetRole } from '../../store/repos/cohort.js';
import { type Dataset, getDataset } from '../../store/repos/datasets.js';
import type { ServiceContext } from '../context.js';
import { RunFiles } from '../runs/runFiles.js';
import { runRepo } from '../runs/runRepo.js';
import { cohortFilePath } from './cohortFiles.js';
import { alternativeCohorts, type BipartiteMode, readFloorLinks } from './linkageRange.js';

export interface RunCohort {
  readonly runId: string;
  readonly projectId: string;
  readonly joined: JoinedCohort;
  /** The run's datasets in run order, with their role. */
  readonly datasets: readonly (Dataset & { role: JoinInput['role']; contactable: boolean })[];
  /** dataset id → (ref → person index), for invitation lists. */
  readonly personOfRef: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** Person index → 1 if a link of theirs scored within the margin above the threshold. */
  readonly borderline: Uint8Array;
  /** Estimated links within the margin below the threshold (the 'estimated' range only). */
  readonly belowEstimate: number;
  /**
   * One-to-one / many-to-one runs with floor links: the people regrouped at threshold − margin
   * and + margin (the 'reclustered' range). Undefined for dedup and multi runs.
   */
  readonly alternatives?: readonly JoinedCohort[];
}

/** Links scoring within this of the run's threshold are "borderline" for the uncertainty range. */
export const BORDERLINE_MARGIN = 0.02;

export class RunCohorts {
  private readonly cache = new Map<string, Promise<RunCohort>>();
  private readonly files: RunFiles;

  constructor(private readonly ctx: ServiceContext) {
    this.files = new RunFiles({
      datasetEncodings: (id) => ctx.files.datasetPath(id),
      runsRoot: () => join(ctx.files.root, 'runs'),
    });
  }

  /** Drops cached joins that used this dataset (its attributes, events or role changed). */
  forgetDataset(datasetId: string): void {
    // Synchronous (the run rows name their datasets), so the next query after an upload sees it.
    const repo = runRepo(this.ctx.db);
    for (const runId of [...this.cache.keys()]) {
      const ids = JSON.parse(repo.get(runId)?.dataset_ids_json ?? '[]') as string[];
      if (ids.includes(datasetId)) this.cache.delete(runId);
    }
  }

  get(runId: string): Promise<RunCohort> {
    let p = this.cache.get(runId);
    if (p === undefined) {
      p = this.build(runId);
      this.cache.set(runId, p);
      // A failed build is not cached: the cause (e.g. missing keys) may be fixed.
      p.catch(() => this.cache.delete(runId));
    }
    return p;
  }

  private async build(runId: string): Promise<RunCohort> {
    const { db } = this.ctx;
    const row = runRepo(db).get(runId);
    if (row === undefined || row.state !== 'succeeded')
      throw new CohortlinkError('CL_CONFLICT', `run ${runId} has not succeeded`);
    const ids = JSON.parse(row.dataset_ids_json) as string[];
    const datasets = ids.map((id) => {
      const d = getDataset(db, id);
      if (d === undefined) throw new CohortlinkError('CL_NOT_FOUND', `dataset ${id} of run ${runId} is gone`);
      return { ...d, ...datasetRole(db, id) };
    });
    // Keyed by dataset name so criteria can name a dataset (`event.dataset`) as researchers see it.
    const keys = new Map<string, Map<string, string>>();
    const inputs: JoinInput[] = [];
    for (const d of datasets) {
      keys.set(d.name, readKeyFile(this.files.keysFile(runId, d.id)));
      const known = new Set(keys.get(d.name)!.keys());
      const attrPath = cohortFilePath(this.ctx.files, d.id, 'attributes');
      const evPath = cohortFilePath(this.ctx.files, d.id, 'events');
      const opts = { dataset: d.name, knownRefs: known };
      const attributes: DatasetAttributes | undefined = existsSync(attrPath)
        ? await readAttributes(attrPath, opts)
        : undefined;
      const events: DatasetEvents | undefined = existsSync(evPath)
        ? await readEvents(evPath, opts)
        : undefined;
      inputs.push({
        dataset: d.name,
        role: d.role,
        ...(attributes ? { attributes } : {}),
        ...(events ? { events } : {}),
      });
    }
    const joined = joinThroughKeys(keys, inputs);
    const index = new Map(joined.keys.map((k, i) => [k, i]));
    const personOfRef = new Map<string, Map<string, number>>();
    for (const d of datasets) {
      const m = new Map<string, number>();
      for (const [ref, key] of keys.get(d.name)!) m.set(ref, index.get(key)!);
      personOfRef.set(d.id, m);
    }
    const { borderline, belowEstimate } = linkUncertainty(
      this.files.paths(runId).links,
      datasets.map((d) => d.id),
      personOfRef,
      joined.people.count,
      JSON.parse(row.summary_json ?? '{}'),
    );
    const alternatives = reclustered(
      this.files.paths(runId).linksFloor,
      JSON.parse(row.options_json).mode,
      runThreshold(JSON.parse(row.summary_json ?? '{}')),
      datasets.map((d) => ({ name: d.name, refs: [...keys.get(d.name)!.keys()] })),
      inputs,
    );
    return {
      runId,
      projectId: row.project_id,
      joined,
      datasets,
      personOfRef,
      borderline,
      belowEstimate,
      ...(alternatives !== undefined ? { alternatives } : {}),
    };
  }
}

/** The threshold a run accepted links at, from its summary. */
function runThreshold(summary: SummaryShape): number | undefined {
  const t = typeof summary.threshold === 'object' ? summary.threshold.threshold : summary.threshold;
  return typeof t === 'number' && Number.isFinite(t) ? t : undefined;
}

/**
 * The alternative groupings of a bipartite run (undefined for other modes, or for a run written
 * before floor links were kept). Keys files list refs in record order, as the floor links'
 * positions need.
 */
function reclustered(
  floorPath: string,
  mode: unknown,
  threshold: number | undefined,
  sides: readonly { name: string; refs: string[] }[],
  inputs: readonly JoinInput[],
): JoinedCohort[] | undefined {
  const bipartite = mode === undefined || mode === 'one-to-one' || mode === 'many-to-one';
  if (!bipartite || threshold === undefined || sides.length !== 2 || !existsSync(floorPath)) return undefined;
  const [left, right] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const floor = readFloorLinks(floorPath, left, right);
  return alternativeCohorts(
    floor,
    (mode ?? 'one-to-one') as BipartiteMode,
    [threshold - BORDERLINE_MARGIN, threshold + BORDERLINE_MARGIN],
    left,
    right,
    inputs,
  );
}

interface SummaryShape {
  /** runSummary's ThresholdDecision (`{threshold, method, …}`); a bare number is accepted too. */
  threshold?: number | { threshold?: number };
  parameters?: { floor?: number };
  pairs?: { links?: number; linksAtFloor?: number }[];
}

/**
 * Borderline links above the threshold come from the run's links.csv (scores are stored).
 * Links just below it are not stored by a run, so their number is estimated from the summary:
 * the links between floor and threshold (linksAtFloor − links), times the share of that score
 * interval the margin covers (uniform scores assumed). Each link added or removed changes the
 * eligible count by at most one person, which is what makes these counts a range.
 */
function linkUncertainty(
  linksPath: string,
  datasetIds: readonly string[],
  personOfRef: ReadonlyMap<string, ReadonlyMap<string, number>>,
  people: number,
  summary: SummaryShape,
): { borderline: Uint8Array; belowEstimate: number } {
  const borderline = new Uint8Array(people);
  const t = runThreshold(summary);
  if (t === undefined || !existsSync(linksPath)) return { borderline, belowEstimate: 0 };
  const lines = readFileSync(linksPath, 'utf8').split('\n');
  const multi = lines[0]?.startsWith('left_dataset') ?? false;
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const f = line.split(',');
    const score = Number(f[f.length - 1]);
    if (!(score < t + BORDERLINE_MARGIN)) continue;
    const [ds, ref] = multi ? [f[0]!, f[1]!] : [datasetIds[0]!, f[0]!];
    const p = personOfRef.get(ds)?.get(ref);
    if (p !== undefined) borderline[p] = 1;
  }
  const floor = summary.parameters?.floor ?? t;
  const below = (summary.pairs ?? []).reduce(
    (a, p) => a + Math.max(0, (p.linksAtFloor ?? 0) - (p.links ?? 0)),
    0,
  );
  const share = t - floor > 0 ? Math.min(1, BORDERLINE_MARGIN / (t - floor)) : 0;
  return { borderline, belowEstimate: Math.ceil(below * share) };
}
