/**
 * What building one governance report needs, as plain data (paths and names, no database), so
 * the build can run on a report thread (workers/report.ts): reading a million encodings or
 * links takes seconds of CPU that must not stall the service's event loop. `buildReport` is
 * the thread's body; it returns the report model as JSON text, which is what the cache stores
 * and what every later read (JSON or HTML) starts from, so a first and a cached answer agree.
 */

import { generatorFrequencies } from '../../reports/attacks/publicFrequencies.js';
import { buildDatasetQualityReport } from '../../reports/datasetQuality.js';
import { readFloorScores } from '../../reports/floorScores.js';
import { buildLinkageReport } from '../../reports/linkageReport.js';
import { buildPrivacyRiskReport } from '../../reports/privacyRisk.js';
import { subgroupLinkRates } from '../../reports/subgroups.js';

export interface NamedFile {
  readonly name: string;
  readonly path: string;
}

export type ReportJob =
  | {
      readonly kind: 'run';
      readonly runId: string;
      /** The run summary with dataset ids already replaced by dataset names. */
      readonly summary: unknown;
      readonly summarySource: string;
      /** links-floor.csv, when the run kept one. */
      readonly floorPath: string | null;
      /** Null when no dataset of the run has attributes. */
      readonly subgroups: {
        readonly runDatasets: readonly { readonly dataset: string; readonly keysPath: string }[];
        readonly sources: readonly {
          readonly dataset: string;
          readonly keysPath: string;
          readonly attributesPath: string;
        }[];
        /** Ages are taken on this day (the run's finish), so a cached report never goes stale. */
        readonly asOf: string;
      } | null;
    }
  | { readonly kind: 'dataset'; readonly dataset: NamedFile; readonly others: readonly NamedFile[] }
  | {
      readonly kind: 'privacy';
      readonly project: { readonly name: string };
      readonly datasets: readonly NamedFile[];
      /** Key fingerprints of the service's other projects: a key used twice is a finding. */
      readonly otherProjectKeyFingerprints: readonly string[];
    };

/** Builds the report a job describes; the answer is the model as JSON text. */
export async function buildReport(job: ReportJob): Promise<string> {
  switch (job.kind) {
    case 'run': {
      const subgroups =
        job.subgroups === null
          ? undefined
          : await subgroupLinkRates([...job.subgroups.runDatasets], [...job.subgroups.sources], {
              asOf: job.subgroups.asOf,
            });
      const report = buildLinkageReport({
        summary: job.summary,
        summarySource: job.summarySource,
        runId: job.runId,
        ...(job.floorPath !== null ? { floorScores: readFloorScores(job.floorPath) } : {}),
        ...(subgroups !== undefined ? { subgroups } : {}),
      });
      return JSON.stringify(report);
    }
    case 'dataset':
      return JSON.stringify(await buildDatasetQualityReport(job.dataset, [...job.others]));
    case 'privacy':
      return JSON.stringify(
        await buildPrivacyRiskReport(job.project, [...job.datasets], {
          otherProjectKeyFingerprints: [...job.otherProjectKeyFingerprints],
          // The simulated attack against the generator's UK name model (a public list stands in).
          attack: { frequencies: generatorFrequencies() },
        }),
      );
  }
}
