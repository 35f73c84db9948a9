/**
 * The outcome of normalising one identifier field. A discriminated union (not exceptions) so
 * the compiler forces every caller to decide what a missing or invalid value means for its row.
 * Reasons are stable codes; the value itself is never carried, so results are safe to log.
 */

export const INVALID_REASONS = [
  'text_too_long',
  'name_has_digits',
  'name_unsupported_chars',
  'date_unparseable',
  'date_impossible',
  'date_out_of_range',
  'postcode_format',
  'nhs_length',
  'nhs_non_digit',
  'nhs_check_digit',
  'nhs_placeholder',
  'sex_unknown_code',
] as const;

export type InvalidReason = (typeof INVALID_REASONS)[number];

export type Normalised<T> =
  | { readonly kind: 'present'; readonly value: T }
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly reason: InvalidReason };

const DESCRIPTIONS: Readonly<Record<InvalidReason, string>> = {
  text_too_long: 'text is longer than the allowed maximum',
  name_has_digits: 'name contains digits',
  name_unsupported_chars: 'name contains characters outside the Latin alphabet',
  date_unparseable: 'date is not in an accepted format (four-digit year required)',
  date_impossible: 'date does not exist in the calendar',
  date_out_of_range: 'date is before the earliest or after the latest allowed date',
  postcode_format: 'postcode does not have the UK postcode format',
  nhs_length: 'NHS number does not have 10 digits',
  nhs_non_digit: 'NHS number contains characters other than digits, spaces and dashes',
  nhs_check_digit: 'NHS number fails the modulus 11 check',
  nhs_placeholder: 'NHS number is a placeholder (all digits the same)',
  sex_unknown_code: 'sex code is not a recognised coding',
};

export function describeReason(reason: InvalidReason): string {
  return DESCRIPTIONS[reason];
}

export function present<T>(value: T): Normalised<T> {
  return { kind: 'present', value };
}

export const MISSING: { readonly kind: 'missing' } = Object.freeze({ kind: 'missing' });

// One shared frozen object per reason: invalid values are common in dirty extracts and
// allocating a result per bad cell buys nothing.
const INVALID_BY_REASON = Object.fromEntries(
  INVALID_REASONS.map((reason) => [reason, Object.freeze({ kind: 'invalid', reason })]),
) as unknown as Readonly<Record<InvalidReason, { readonly kind: 'invalid'; readonly reason: InvalidReason }>>;

export function invalid(reason: InvalidReason): { readonly kind: 'invalid'; readonly reason: InvalidReason } {
  return INVALID_BY_REASON[reason];
}

/** Markers that extracts use for "no value"; compared after trimming, case-folding and collapsing spaces. */
export const MISSING_MARKERS: ReadonlySet<string> = new Set([
  '',
  'NA',
  'N/A',
  'NULL',
  'NONE',
  'UNKNOWN',
  '-',
  '?',
  'NOT KNOWN',
]);

export function isMissingMarker(raw: string): boolean {
  const trimmed = raw.trim();
  // Markers are short and have no digits; skip the case-folding work for ordinary values
  // (every NHS number, date and postcode has a digit in its first four characters).
  if (trimmed.length > 32) return false;
  for (let i = 0; i < trimmed.length && i < 4; i++) {
    const c = trimmed.charCodeAt(i);
    if (c >= 48 && c <= 57) return false;
  }
  return MISSING_MARKERS.has(trimmed.replace(/\s+/g, ' ').toUpperCase());
}
