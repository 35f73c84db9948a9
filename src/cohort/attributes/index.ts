/** Attribute and event uploads: streaming validated readers and the join into PeopleColumns/EventColumns. */
export { type CodeSystem, normaliseCode, verhoeffValid } from './codes.js';
export { isoOfDay, parseIsoDay } from './dates.js';
export {
  type DatasetRole,
  type JoinedCohort,
  type JoinInput,
  joinThroughKeys,
  type KeysByDataset,
} from './join.js';
export { type LineSource, MAX_LISTED_ISSUES } from './lines.js';
export {
  AttributeLineSchema,
  type DatasetAttributes,
  type ReadOptions,
  readAttributes,
  SEX_CODE,
  UNKNOWN_REGION,
} from './readAttributes.js';
export { type DatasetEvents, EVENTS_HEADER, readEvents } from './readEvents.js';
