import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, and ../shared beside it (CI clones the repo with shared/ next to it). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED_DIR = process.env.COHORTLINK_SHARED ?? resolve(PROJECT_ROOT, '..', 'shared');
export const CLI = resolve(PROJECT_ROOT, 'dist/src/cli/main.js');
