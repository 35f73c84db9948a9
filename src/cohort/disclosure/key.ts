import { inspect } from 'node:util';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { CohortlinkError } from '../../errors.js';

const utf8 = new TextEncoder();
/** Domain separation: the same service secret may key other things; this key is only for SDC. */
const INFO = utf8.encode('cohortlink/disclosure-control/v1');
const MIN_SECRET_BYTES = 16;

/**
 * The keyed source of rounding decisions. It holds only a derived key inside a closure and
 * renders as "[DisclosureKey]" in logs, JSON and util.inspect, so passing it around cannot
 * leak the service secret.
 */
export interface DisclosureKey {
  /** A number in [0, 1) fixed by (key, cell, count): the same cell with the same count always
   * gets the same value, whichever query produced it. */
  uniform(cellId: string, count: number): number;
}

export function createDisclosureKey(secret: string | Uint8Array): DisclosureKey {
  const bytes = typeof secret === 'string' ? utf8.encode(secret) : secret;
  if (bytes.length === 0)
    throw new CohortlinkError('CL_SECRET_MISSING', 'the disclosure-control secret is empty');
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new CohortlinkError(
      'CL_SECRET_MISSING',
      `the disclosure-control secret is shorter than ${MIN_SECRET_BYTES} bytes`,
    );
  }
  const derived = hkdf(sha256, bytes, undefined, INFO, 32);
  const label = '[DisclosureKey]';
  return {
    uniform(cellId, count) {
      // JSON array: unambiguous framing of the two parts, whatever characters the cell id holds.
      const mac = hmac(sha256, derived, utf8.encode(JSON.stringify([cellId, count])));
      // 32 bits is ample resolution for a probability chosen from a handful of tenths.
      return new DataView(mac.buffer, mac.byteOffset, 4).getUint32(0, false) / 2 ** 32;
    },
    toString: () => label,
    toJSON: () => label,
    [inspect.custom]: () => label,
  } as DisclosureKey;
}
