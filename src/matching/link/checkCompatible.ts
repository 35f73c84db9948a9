/**
 * Two encodings can only be compared if they were made with the same schema and the same
 * secret; otherwise every score is noise. The header fingerprints say so before any work.
 */
import { CohortlinkError, type Issue } from '../../errors.js';
import type { EncodedDataset } from '../input/readEncodings.js';

export function checkCompatible(datasets: readonly EncodedDataset[]): void {
  const [first, ...rest] = datasets;
  if (first === undefined) return;
  const issues: Issue[] = [];
  for (const d of rest) {
    if (d.header.keyFingerprint !== first.header.keyFingerprint)
      issues.push({
        path: `${d.name}.keyFingerprint`,
        message: `${d.name} was encoded with a different secret than ${first.name} (key fingerprint ${d.header.keyFingerprint} vs ${first.header.keyFingerprint})`,
      });
    if (d.header.schemaFingerprint !== first.header.schemaFingerprint)
      issues.push({
        path: `${d.name}.schemaFingerprint`,
        message: `${d.name} was encoded with a different linkage schema than ${first.name} (schema fingerprint ${d.header.schemaFingerprint} vs ${first.header.schemaFingerprint})`,
      });
    if (d.header.filterBits !== first.header.filterBits)
      issues.push({
        path: `${d.name}.filterBits`,
        message: `${d.name} has ${d.header.filterBits}-bit filters, ${first.name} ${first.header.filterBits}-bit`,
      });
  }
  if (issues.length > 0)
    throw new CohortlinkError(
      'CL_ENCODING_MISMATCH',
      `the encodings cannot be compared: ${issues.map((i) => i.message).join('; ')}`,
      issues,
    );
}
