import { z } from 'zod';
import { cohortlinkSchema } from './cohortlinkSchema.js';

/** The published JSON Schema of the cohortlink schema format, generated from the zod schema
 * so the editor's view and the validator can never disagree. */
export function cohortlinkJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(cohortlinkSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    ...s,
    $id: 'https://cohortlink.invalid/schema/cohortlink-schema.v1.json',
    title: 'cohortlink linkage schema, version 1',
  };
}
