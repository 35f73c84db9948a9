/**
 * Server paths never reach a client: an error message that names a file of the data folder or
 * the database (a temp file of an upload, a stored dataset, a run's keys) has the path
 * replaced by `<service file>`. The data folder's layout and the operator's folder names are
 * the server's business; the line and reason are what a client can act on.
 */
import { normalize, resolve } from 'node:path';

export const REDACTED_PATH = '<service file>';

/** A function that redacts every path under one of `roots` (absolute or as given) from text. */
export function pathRedactor(roots: readonly string[]): (text: string) => string {
  const prefixes = [
    ...new Set(roots.filter((r) => r !== '' && r !== ':memory:').flatMap((r) => [resolve(r), normalize(r)])),
  ]
    .filter((p) => p.length > 1 && p !== '.' && p !== '..')
    // Longest first, so a root inside another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (prefixes.length === 0) return (text) => text;
  const escaped = prefixes.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // The rest of the path, not ending in the sentence's own ':' or '.'.
  const pattern = new RegExp(`(?:${escaped.join('|')})(?:[^\\s'"\`,;)]*[^\\s'"\`,;):.])?`, 'g');
  return (text) => text.replace(pattern, REDACTED_PATH);
}
