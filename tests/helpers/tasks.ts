import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFile } from '../../src/encoding/encodeFile.js';
import { readSecret } from '../../src/encoding/secret.js';
import { PROJECT_ROOT } from './paths.js';

/** A public linkage task copied into the repository (datasets/tasks/<name>, see its README). */
export function taskDir(name: string): string {
  return join(PROJECT_ROOT, 'datasets', 'tasks', name);
}

/**
 * Encodes a task's two sides with its own schema and secret into `<outDir>/a.ndjson` and
 * `b.ndjson`, reading `<inDir>/a.csv` and `b.csv` (the task's own files unless given a subset).
 */
export async function encodeTaskSides(task: string, outDir: string, inDir = task): Promise<void> {
  const schema = JSON.parse(readFileSync(join(task, 'schema.json'), 'utf8'));
  const secret = readSecret({ file: join(task, 'secret.txt') });
  for (const side of ['a', 'b'])
    await encodeFile({
      schema,
      secret,
      input: join(inDir, `${side}.csv`),
      output: join(outDir, `${side}.ndjson`),
      workers: 0,
    });
}
