import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHORT_HMAC_MAX, shortHmacSha256 } from '../../src/encoding/shortHmac.js';

function wordsToBytes(words: Int32Array): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) new DataView(out.buffer).setInt32(4 * i, words[i]!, false);
  return out;
}

describe('one-block HMAC-SHA256', () => {
  it('equals HMAC-SHA256 for every message length up to one block and any key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 130 }),
        fc.uint8Array({ maxLength: SHORT_HMAC_MAX }),
        (key, msg) => {
          const scratch = new Uint8Array(64).fill(0xff);
          scratch.set(msg);
          expect(wordsToBytes(shortHmacSha256(key)(scratch, msg.length))).toEqual(hmac(sha256, key, msg));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('covers each length at the block boundary, with a reused instance', () => {
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const mac = shortHmacSha256(key);
    for (let n = 0; n <= SHORT_HMAC_MAX; n++) {
      const msg = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(wordsToBytes(mac(msg, n))).toEqual(hmac(sha256, key, msg));
    }
    expect(() => mac(new Uint8Array(64), SHORT_HMAC_MAX + 1)).toThrow(RangeError);
  });
});
