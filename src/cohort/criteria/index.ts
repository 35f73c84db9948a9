export { type CodePattern, normaliseCode, parseCodePattern } from './codes.js';
export { criteriaJsonSchema } from './jsonSchema.js';
export { CRITERIA_LIMITS } from './limits.js';
export { parseCriteria } from './parse.js';
export {
  type AgePredicate,
  type CodeSystem,
  CRITERIA_FORMAT,
  CRITERION_KEYS,
  type CriteriaRequest,
  type Criterion,
  criteriaSchema,
  type EventPredicate,
  SEXES,
  type Sex,
} from './schema.js';
