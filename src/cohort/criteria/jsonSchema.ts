import { z } from 'zod';
import { criteriaSchema } from './schema.js';

/** The published JSON Schema of the criteria language, generated from the zod schema so the
 * documentation and the validator can never disagree (a test compares it with docs/). */
export function criteriaJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(criteriaSchema, { io: 'input', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  return {
    ...s,
    $id: 'https://cohortlink.invalid/schema/cohort-criteria.v1.json',
    title: 'cohortlink cohort criteria, version 1',
  };
}
