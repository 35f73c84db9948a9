import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockMac } from '../../src/encoding/blockMac.js';

describe('block-key MAC', () => {
  it('is HMAC-SHA256 truncated to 128 bits, base64url, for any text', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 400 }),
        (key, text) => {
          const expected = Buffer.from(
            hmac(sha256, key, new TextEncoder().encode(text)).subarray(0, 16),
          ).toString('base64url');
          expect(blockMac(key)(text)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same key on repeated calls (no state leaks between calls)', () => {
    const m = blockMac(new Uint8Array(32).fill(1));
    const a = m('9434765919');
    m('a much longer value that is not ascii: zoë ß');
    expect(m('9434765919')).toBe(a);
  });
});
