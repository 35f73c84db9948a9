import { sha256 } from '@noble/hashes/sha2.js';
import { reusableHmacInto } from './mac.js';
import { SHORT_HMAC_MAX, shortHmacSha256 } from './shortHmac.js';

/**
 * The keyed block key: HMAC-SHA256 of the joined blocking value under the block key's own
 * derived key, truncated to 128 bits, as base64url (22 characters). One call per record for
 * never-repeating values such as NHS numbers, so the conversions around the MAC are done in
 * reused buffers: the message is copied into a scratch array when it is ASCII (UTF-8 encoded
 * otherwise), a short ASCII message takes the one-block HMAC (shortHmac.ts), and the 16 bytes
 * are base64url-encoded by table.
 */

const ALPHABET = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
const utf8 = new TextEncoder();

export function blockMac(key: Uint8Array): (joined: string) => string {
  const mac = reusableHmacInto(sha256, key);
  const shortMac = shortHmacSha256(key);
  let scratch = new Uint8Array(256);
  const d = new Uint8Array(16);
  const codes: number[] = new Array(22).fill(0);
  return (joined) => {
    const n = joined.length;
    let msg: Uint8Array | undefined;
    if (n <= scratch.length) {
      msg = scratch.subarray(0, n);
      for (let i = 0; i < n; i++) {
        const c = joined.charCodeAt(i);
        if (c >= 0x80) {
          msg = undefined;
          break;
        }
        msg[i] = c;
      }
    } else scratch = new Uint8Array(n * 2);
    if (msg !== undefined && n <= SHORT_HMAC_MAX) {
      const words = shortMac(scratch, n);
      for (let i = 0; i < 4; i++) {
        const w = words[i]!;
        d[4 * i] = w >>> 24;
        d[4 * i + 1] = w >>> 16;
        d[4 * i + 2] = w >>> 8;
        d[4 * i + 3] = w;
      }
    } else d.set(mac(msg ?? utf8.encode(joined)).subarray(0, 16));
    // 16 bytes = 5 groups of 3 bytes and one left over: 22 characters, no padding, made as one
    // flat string (concatenating characters would build and then flatten a rope per call).
    let p = 0;
    for (let i = 0; i < 15; i += 3) {
      const v = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
      codes[p++] = ALPHABET[v >>> 18]!;
      codes[p++] = ALPHABET[(v >>> 12) & 63]!;
      codes[p++] = ALPHABET[(v >>> 6) & 63]!;
      codes[p++] = ALPHABET[v & 63]!;
    }
    const last = d[15]!;
    codes[p++] = ALPHABET[last >>> 2]!;
    codes[p] = ALPHABET[(last & 3) << 4]!;
    return String.fromCharCode.apply(null, codes);
  };
}
