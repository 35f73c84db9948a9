import { invalid, isMissingMarker, MISSING, type Normalised, present } from './result.js';

export interface PostcodeValue {
  /** Canonical form: upper case, one space before the inward code ('SW1A 1AA'). */
  readonly full: string;
  readonly outward: string;
  readonly inward: string;
  /** Letters of the outward code ('SW'). */
  readonly area: string;
  /** Same as the outward code. */
  readonly district: string;
  /** Outward code, space, first inward character ('SW1A 1'). */
  readonly sector: string;
}

// Structural rules only (A9, A99, AA9, AA99, A9A, AA9A). The per-position letter restrictions
// are deliberately not applied: non-geographic codes such as XM4 5HQ break them.
const OUTWARD = /^(?:[A-Z]{1,2}\d{1,2}|[A-Z]{1,2}\d[A-Z])$/;
// Inward letters never use C I K M O V (too easily confused with digits or each other in handwriting).
const INWARD = /^\d[ABD-HJLNP-UW-Z]{2}$/;
const ASCII_ALNUM = /^[A-Za-z0-9]{5,7}$/;
const GIROBANK = 'GIR0AA';

function split(compact: string): { outward: string; inward: string } | null {
  if (compact === GIROBANK) return { outward: 'GIR', inward: '0AA' };
  const outward = compact.slice(0, -3);
  const inward = compact.slice(-3);
  return OUTWARD.test(outward) && INWARD.test(inward) ? { outward, inward } : null;
}

export function normalisePostcode(raw: string): Normalised<PostcodeValue> {
  if (isMissingMarker(raw)) return MISSING;
  const compact = raw.replace(/\s+/g, '');
  // Tested before upper-casing: 'ı' and 'ſ' upper-case to ASCII letters and must not sneak in.
  if (!ASCII_ALNUM.test(compact)) return invalid('postcode_format');
  const parts = split(compact.toUpperCase());
  if (parts === null) return invalid('postcode_format');
  const { outward, inward } = parts;
  const area = outward.replace(/\d.*$/, '');
  return present({
    full: `${outward} ${inward}`,
    outward,
    inward,
    area,
    district: outward,
    sector: `${outward} ${inward.charAt(0)}`,
  });
}

export function isValidPostcode(raw: string): boolean {
  return normalisePostcode(raw).kind === 'present';
}
