import { readFileSync } from 'node:fs';
import { CohortlinkError } from '../../errors.js';
import { compileClkhashSchema } from '../clkhash/compile.js';
import { looksLikeClkhashSchema } from '../clkhash/schema.js';
import type { EncodingPlan } from '../plan.js';
import { compileCohortlinkSchema } from './compile.js';
import { PRESETS } from './presets.js';

/** Reads a schema given as a preset name or a file path; JSON problems name the file and position. */
export function readSchemaJson(nameOrPath: string): unknown {
  const preset = PRESETS[nameOrPath];
  if (preset !== undefined) return preset;
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (e) {
    throw new CohortlinkError(
      'CL_FILE_UNREADABLE',
      `cannot read schema file '${nameOrPath}' (${(e as NodeJS.ErrnoException).code ?? 'error'}); built-in schemas: ${Object.keys(PRESETS).join(', ')}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CohortlinkError(
      'CL_SCHEMA_INVALID',
      `schema file '${nameOrPath}' is not valid JSON: ${(e as Error).message}`,
    );
  }
}

/** Compiles either schema format; clkhash v3 schemas are recognised by their `clkConfig`. */
export function compileSchema(json: unknown, secret: Uint8Array): EncodingPlan {
  return looksLikeClkhashSchema(json)
    ? compileClkhashSchema(json, secret)
    : compileCohortlinkSchema(json, secret);
}
