import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';

// People type NHS numbers in 3-3-4 groups with spaces or dashes; any dash counts.
const SEPARATORS = /[\s\p{Pd}]+/gu;
const DIGITS = /^[0-9]*$/;
const NINE_DIGITS = /^[0-9]{9}$/;
const ALL_SAME = /^([0-9])\1{9}$/;

/**
 * The modulus 11 check digit for the first nine digits (weights 10 down to 2), or null when
 * the input is not nine digits or the remainder gives 10, which no valid NHS number uses.
 */
export function nhsCheckDigit(first9: string): number | null {
  if (!NINE_DIGITS.test(first9)) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (first9.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? null : check;
}

function isTenDigits(s: string): boolean {
  if (s.length !== 10) return false;
  for (let i = 0; i < 10; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function normaliseNhsNumber(raw: string): Normalised<string> {
  // The common case, ten bare digits, skips the separator regex (this runs once per record:
  // NHS numbers never repeat, so no cache saves the work).
  const bare = isTenDigits(raw);
  if (!bare && isMissingMarker(raw)) return MISSING;
  const digits = bare ? raw : raw.replace(SEPARATORS, '');
  if (!DIGITS.test(digits)) return invalid('nhs_non_digit');
  if (digits.length !== 10) return invalid('nhs_length');
  // Before the check digit: every repeated-digit number passes modulus 11 (the weights sum
  // to 54 ≡ −1 mod 11), yet they are test and filler values, never a person.
  if (ALL_SAME.test(digits)) return invalid('nhs_placeholder');
  if (nhsCheckDigit(digits.slice(0, 9)) !== Number(digits.charAt(9))) return invalid('nhs_check_digit');
  return present(digits);
}

export function isValidNhsNumber(s: string): boolean {
  return normaliseNhsNumber(s).kind === 'present';
}
