/**
 * Turns a run, a dataset or a project of the service into a report job (reportJobs.ts) and the
 * cache entry its model is stored under (reportCache.ts). This is where the service's layout is
 * known: run files under runs/<id>/, encodings under datasets/, attribute uploads under cohort/,
 * cached reports next to the run (runs/<id>/report-*.json) or under reports/ (the datasets/
 * folder is swept of anything but encodings at start-up).
 *
 * Service runs name datasets by id in their summaries; reports are for people, so ids are
 * replaced by dataset names in the copy handed to the report (the stored summary is untouched).
 */
import { join } from 'node:path';
import { DATASET_QUALITY_REPORT_FORMAT } from '../../reports/datasetQuality.js';
import { LINKAGE_REPORT_FORMAT } from '../../reports/linkageReport.js';
import { PRIVACY_RISK_REPORT_FORMAT } from '../../reports/privacyRisk.js';
import type { Db } from '../../store/db.js';
import type { DataFiles } from '../../store/files.js';
import { getCohortFile } from '../../store/repos/cohort.js';
import { type Dataset, getDataset, listDatasets } from '../../store/repos/datasets.js';
import type { Project } from '../../store/repos/projects.js';
import { cohortFilePath } from '../cohort/cohortFiles.js';
import { RunFiles, type RunOutputPaths } from '../runs/runFiles.js';
import type { RunRow } from '../runs/runRepo.js';
import type { CacheEntry } from './reportCache.js';
import type { NamedFile, ReportJob } from './reportJobs.js';

/** Bump when a report model changes shape, so reports cached by an older version are rebuilt. */
export const REPORT_CACHE_VERSION = 2;

export interface ReportSource {
  readonly job: ReportJob;
  readonly cache: CacheEntry;
}

function runFiles(files: DataFiles): RunFiles {
  return new RunFiles({
    datasetEncodings: (id) => files.datasetPath(id),
    runsRoot: () => join(files.root, 'runs'),
  });
}

/** Where a run's files are (the run routes' layout). */
export function runPaths(files: DataFiles, runId: string): RunOutputPaths {
  return runFiles(files).paths(runId);
}

/** A succeeded run's linkage report: summary, floor links if kept, subgroups if attributes exist. */
export function runReportSource(db: Db, files: DataFiles, run: RunRow, floorExists: boolean): ReportSource {
  const rf = runFiles(files);
  const ids = JSON.parse(run.dataset_ids_json) as string[];
  const names = new Map(ids.map((id) => [id, getDataset(db, id)?.name ?? id]));
  const attributes = ids.flatMap((id) => {
    const f = getCohortFile(db, id, 'attributes');
    return f === undefined ? [] : [{ id, uploadedAt: f.createdAt }];
  });
  const keysPath = (id: string) => rf.keysFile(run.id, id);
  const paths = rf.paths(run.id);
  return {
    job: {
      kind: 'run',
      runId: run.id,
      summary: withDatasetNames(JSON.parse(run.summary_json ?? 'null'), names),
      summarySource: `the summary of run ${run.id}`,
      floorPath: floorExists ? paths.linksFloor : null,
      subgroups:
        attributes.length === 0
          ? null
          : {
              runDatasets: ids.map((id) => ({ dataset: names.get(id)!, keysPath: keysPath(id) })),
              sources: attributes.map(({ id }) => ({
                dataset: names.get(id)!,
                keysPath: keysPath(id),
                attributesPath: cohortFilePath(files, id, 'attributes'),
              })),
              asOf: (run.finished_at ?? run.created_at).slice(0, 10),
            },
    },
    cache: {
      dir: paths.dir,
      prefix: 'report',
      dependsOn: {
        version: REPORT_CACHE_VERSION,
        format: LINKAGE_REPORT_FORMAT,
        names: [...names],
        floor: floorExists,
        attributes,
      },
    },
  };
}

/** A dataset's data-quality report, compared with the project's other datasets. */
export function datasetReportSource(
  db: Db,
  files: DataFiles,
  project: Project,
  dataset: Dataset,
): ReportSource {
  const all = listDatasets(db, project.id);
  const named = (d: Dataset): NamedFile => ({ name: d.name, path: files.datasetPath(d.id) });
  return {
    job: {
      kind: 'dataset',
      dataset: named(dataset),
      others: all.filter((d) => d.id !== dataset.id).map(named),
    },
    cache: {
      dir: join(files.root, 'reports', 'datasets', dataset.id),
      prefix: 'quality',
      dependsOn: {
        version: REPORT_CACHE_VERSION,
        format: DATASET_QUALITY_REPORT_FORMAT,
        datasets: datasetKey(all),
      },
    },
  };
}

/**
 * A project's privacy-risk report over all its datasets, checked for key reuse against the
 * service's other projects. A new upload, or another project taking the same key, is a new
 * cache entry.
 */
export function privacyReportSource(db: Db, files: DataFiles, project: Project): ReportSource {
  const all = listDatasets(db, project.id);
  const otherKeys = (
    db
      .prepare('SELECT DISTINCT key_fingerprint FROM project WHERE id <> ? AND key_fingerprint IS NOT NULL')
      .pluck()
      .all(project.id) as string[]
  ).sort();
  return {
    job: {
      kind: 'privacy',
      project: { name: project.name },
      datasets: all.map((d) => ({ name: d.name, path: files.datasetPath(d.id) })),
      otherProjectKeyFingerprints: otherKeys,
    },
    cache: {
      dir: join(files.root, 'reports', 'projects', project.id),
      prefix: 'privacy',
      dependsOn: {
        version: REPORT_CACHE_VERSION,
        format: PRIVACY_RISK_REPORT_FORMAT,
        project: project.name,
        datasets: datasetKey(all),
        otherKeys,
      },
    },
  };
}

/** The datasets a report depends on, sorted by id (listing order must not change the key). */
function datasetKey(all: readonly Dataset[]): [string, string][] {
  return all
    .map((d): [string, string] => [d.id, d.name])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * A copy of a run summary with dataset ids replaced by names where the summary names datasets
 * (inputs, dataset pairs, evaluations). Anything that is not the expected shape is left for the
 * report's own validation to refuse.
 */
export function withDatasetNames(summary: unknown, names: ReadonlyMap<string, string>): unknown {
  if (summary === null || typeof summary !== 'object' || Array.isArray(summary)) return summary;
  const s = summary as Record<string, unknown>;
  const rename = (v: unknown): unknown => (typeof v === 'string' ? (names.get(v) ?? v) : v);
  const mapEach = (list: unknown, keys: readonly string[]): unknown =>
    Array.isArray(list)
      ? list.map((item) =>
          item !== null && typeof item === 'object'
            ? Object.fromEntries(
                Object.entries(item as Record<string, unknown>).map(([k, v]) => [
                  k,
                  keys.includes(k) ? rename(v) : v,
                ]),
              )
            : item,
        )
      : list;
  return {
    ...s,
    inputs: mapEach(s.inputs, ['name']),
    pairs: mapEach(s.pairs, ['left', 'right']),
    ...(s.evaluation !== undefined ? { evaluation: mapEach(s.evaluation, ['left', 'right']) } : {}),
  };
}
