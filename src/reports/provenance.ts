/**
 * What every report says about itself, so a signed-off page can be traced: when it was built
 * and by which cohortlink. A reviewer comparing two pages of the same run sees whether they came
 * from the same build.
 */
import { COHORTLINK_VERSION } from '../version.js';
import { esc } from './escape.js';

export interface Provenance {
  /** ISO-8601 UTC time the report model was built. */
  readonly at: string;
  readonly by: string;
}

export function provenance(now: Date = new Date()): Provenance {
  return { at: now.toISOString(), by: `cohortlink ${COHORTLINK_VERSION}` };
}

/** The page line naming the build, e.g. "Built 2026-11-25 17:48 UTC by cohortlink 0.1.0". */
export function provenanceLine(p: Provenance | undefined, subject?: string): string {
  const parts: string[] = [];
  if (subject !== undefined) parts.push(esc(subject));
  if (p !== undefined) parts.push(`built ${esc(p.at.slice(0, 16).replace('T', ' '))} UTC by ${esc(p.by)}`);
  if (parts.length === 0) return '';
  const text = parts.join('; ');
  return `<p class="note">${text.charAt(0).toUpperCase()}${text.slice(1)}</p>`;
}
