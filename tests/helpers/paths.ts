import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root. Tests read nothing outside it but the optional reference vectors below. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = resolve(PROJECT_ROOT, 'dist/src/cli/main.js');

/**
 * clkhash 0.18.3's reference encodings, in the team's shared folder (CI lays it beside the
 * clone; COHORTLINK_SHARED points elsewhere). Their terms say to read them from there and never
 * copy them into the project, so a bare clone has none: the tests that compare against them
 * are skipped there, and run wherever the folder is.
 */
export const CLKHASH_VECTORS = resolve(
  process.env.COHORTLINK_SHARED ?? resolve(PROJECT_ROOT, '..', 'shared'),
  'interop',
  'clkhash',
);
export const HAS_CLKHASH_VECTORS = existsSync(CLKHASH_VECTORS);
