import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { canonicalJson } from '../canonicalJson.js';

/**
 * Key derivation. The shared secret never leaves this module's callers except as derived
 * keys; what is published is a fingerprint (an HMAC of a fixed label under a derived key),
 * which lets the service detect encodings made with different secrets without learning them.
 */

const utf8 = new TextEncoder();
const COHORTLINK_SALT = utf8.encode('cohortlink/v1');

export type KdfHash = 'SHA256' | 'SHA512';

/** clkhash's generate_key_lists: HKDF over numFields·2 keys of keySize bytes, grouped per field. */
export function clkhashKeyLists(
  secret: Uint8Array,
  numFields: number,
  opts: { hash: KdfHash; salt?: Uint8Array; info?: Uint8Array; keySize: number },
): Uint8Array[][] {
  const perField = 2;
  const okm = hkdf(
    opts.hash === 'SHA512' ? sha512 : sha256,
    secret,
    opts.salt,
    opts.info,
    numFields * perField * opts.keySize,
  );
  const lists: Uint8Array[][] = [];
  for (let f = 0; f < numFields; f++) {
    const keys: Uint8Array[] = [];
    for (let j = 0; j < perField; j++) {
      const start = (f * perField + j) * opts.keySize;
      keys.push(okm.slice(start, start + opts.keySize));
    }
    lists.push(keys);
  }
  return lists;
}

/**
 * cohortlink's per-purpose keys: one HKDF-SHA256 expansion per label (e.g. "field:surname:0",
 * "block:sdx_yob"). Labelling by name rather than position makes a field's bits independent of
 * the column order and of the other fields in the schema.
 */
export function deriveKey(secret: Uint8Array, label: string, length = 32): Uint8Array {
  return hkdf(sha256, secret, COHORTLINK_SALT, utf8.encode(label), length);
}

export function keyFingerprint(secret: Uint8Array): string {
  const k = deriveKey(secret, 'fingerprint');
  return bytesToHex(hmac(sha256, k, utf8.encode('cohortlink key fingerprint v1'))).slice(0, 32);
}

export function schemaFingerprint(normalisedSchema: unknown): string {
  return bytesToHex(sha256(utf8.encode(canonicalJson(normalisedSchema)))).slice(0, 32);
}
