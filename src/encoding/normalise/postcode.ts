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

/** Each part of a PostcodeValue from the outward and inward codes, so that callers needing
 * only some parts (the encoder, once per record) build only those. */
export const POSTCODE_PARTS: Readonly<
  Record<keyof PostcodeValue, (outward: string, inward: string) => string>
> = {
  full: (outward, inward) => `${outward} ${inward}`,
  outward: (outward) => outward,
  inward: (_, inward) => inward,
  area: (outward) => outward.replace(/\d.*$/, ''),
  district: (outward) => outward,
  sector: (outward, inward) => `${outward} ${inward.charAt(0)}`,
};

/** The validated outward and inward codes, upper case, without building the other parts. */
export function parsePostcode(raw: string): Normalised<{ outward: string; inward: string }> {
  if (isMissingMarker(raw)) return MISSING;
  const compact = raw.replace(/\s+/g, '');
  // Tested before upper-casing: 'ı' and 'ſ' upper-case to ASCII letters and must not sneak in.
  if (!ASCII_ALNUM.test(compact)) return invalid('postcode_format');
  const parts = split(compact.toUpperCase());
  return parts === null ? invalid('postcode_format') : present(parts);
}

export function normalisePostcode(raw: string): Normalised<PostcodeValue> {
  const p = parsePostcode(raw);
  if (p.kind !== 'present') return p;
  const { outward, inward } = p.value;
  return present({
    full: POSTCODE_PARTS.full(outward, inward),
    outward,
    inward,
    area: POSTCODE_PARTS.area(outward, inward),
    district: POSTCODE_PARTS.district(outward, inward),
    sector: POSTCODE_PARTS.sector(outward, inward),
  });
}

export function isValidPostcode(raw: string): boolean {
  return normalisePostcode(raw).kind === 'present';
}
