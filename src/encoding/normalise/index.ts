export {
  type CalendarDate,
  type DateFormat,
  type DateOptions,
  type DateValue,
  DEFAULT_DATE_FORMATS,
  DEFAULT_MIN_YEAR,
  normaliseDate,
  todayUtc,
} from './date.js';
export {
  DEFAULT_MAX_NAME_LENGTH,
  type NameOptions,
  type NameRole,
  type NameValue,
  nameInitial,
  normaliseName,
} from './name.js';
export { isValidNhsNumber, nhsCheckDigit, normaliseNhsNumber } from './nhsNumber.js';
export { NYSIIS_MAX_LENGTH, nysiis, soundex } from './phonetic.js';
export {
  isValidPostcode,
  normalisePostcode,
  POSTCODE_PARTS,
  type PostcodeValue,
  parsePostcode,
} from './postcode.js';
export {
  describeReason,
  INVALID_REASONS,
  type InvalidReason,
  invalid,
  isMissingMarker,
  MISSING,
  MISSING_MARKERS,
  type Normalised,
  present,
} from './result.js';
export { normaliseSex, type Sex, type SexOptions } from './sex.js';
export { DEFAULT_MAX_TEXT_LENGTH, foldText, normaliseText } from './text.js';
