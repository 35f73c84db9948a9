/**
 * A project's datasets must be comparable: same schema, same secret, same filter length. The
 * first upload fixes them; later uploads that differ are refused, naming what differs.
 */
import type { HeaderLine } from '../../encoding/ndjson.js';
import { CohortlinkError, type Issue } from '../../errors.js';
import type { ProjectEncoding } from '../../store/repos/projects.js';

export function encodingOf(h: HeaderLine): ProjectEncoding {
  return {
    schemaFingerprint: h.schemaFingerprint,
    keyFingerprint: h.keyFingerprint,
    filterBits: h.filterBits,
  };
}

const WHY: Record<keyof ProjectEncoding, string> = {
  schemaFingerprint: 'the encodings were made with a different linkage schema',
  keyFingerprint: 'the encodings were made with a different shared secret',
  filterBits: 'the encodings have a different filter length',
};

/** Throws CL_ENCODING_MISMATCH (409) naming every field that differs. */
export function checkProjectEncoding(project: ProjectEncoding | null, upload: ProjectEncoding): void {
  if (project === null) return;
  const issues: Issue[] = [];
  for (const k of Object.keys(WHY) as (keyof ProjectEncoding)[])
    if (project[k] !== upload[k])
      issues.push({
        path: `$.header.${k}`,
        message: `${WHY[k]}: project has ${project[k]}, upload has ${upload[k]}`,
      });
  if (issues.length > 0)
    throw new CohortlinkError(
      'CL_ENCODING_MISMATCH',
      `the upload does not match the project's encodings (${issues.map((i) => i.path.slice(9)).join(', ')} differ)`,
      issues,
    );
}
