import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { KeyInterner, keyHashHi, keyHashLo } from '../../src/matching/input/keyInterner.js';
import { readEncodings } from '../../src/matching/input/readEncodings.js';
import { header } from '../blocking/helpers.js';
import { tempDir } from '../helpers/cli.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('cohortlink-read-');
});

const clk = (byte: number): string => Buffer.alloc(8, byte).toString('base64');

function file(name: string, lines: readonly unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return path;
}

const H = header(['k1', 'k2']);

describe('readEncodings', () => {
  it('reads filters, refs and block keys; equal keys get equal ids, in either line style', async () => {
    const path = file('ok.ndjson', [
      H,
      { ref: 'a', clk: clk(0xff), blocks: { k1: 'X', k2: 'P' } },
      // Same shape written differently (key order, spacing, escapes): the general path.
      '{ "clk": "' + clk(0x01) + '", "ref": "b\\u0041", "blocks": { "k2": "P" } }',
      { ref: 'c', clk: clk(0x03), blocks: { k1: 'X', k2: 'Q' } },
      { ref: 'd', clk: clk(0x00) },
    ]);
    const d = await readEncodings(path, { name: 'ok' });
    expect(d.refs).toEqual(['a', 'bA', 'c', 'd']);
    expect(Array.from(d.store.popcounts)).toEqual([64, 8, 16, 0]);
    expect(Array.from(d.blockKeys.get('k1')!.ids)).toEqual([0, -1, 0, -1]);
    expect(Array.from(d.blockKeys.get('k2')!.ids)).toEqual([0, 0, 1, -1]);
  });

  it.each([
    ['bad JSON', '{"ref":"x",', /line 2 is not valid JSON/],
    ['short clk', { ref: 'x', clk: 'AAAA' }, /line 2 field "clk" does not hold 64 bits/],
    ['bad base64', { ref: 'x', clk: `!${clk(1).slice(1)}` }, /line 2 field "clk" is not valid base64/],
    ['empty ref', { ref: '', clk: clk(1) }, /line 2 field "ref"/],
    // A newline, NUL or DEL in a ref would later break every keys file and list it reaches.
    [
      'a newline in a ref',
      { ref: 'a\nb', clk: clk(1) },
      /line 2 field "ref" must not hold control characters/,
    ],
    [
      'a NUL in a ref',
      { ref: 'a\u0000b', clk: clk(1) },
      /line 2 field "ref" must not hold control characters/,
    ],
    // A ref a spreadsheet would run as a formula, in every keys file and list it reaches.
    ...['=HYPERLINK("http://x")', '+1', '-2+3+cmd|x', '@SUM(A1)'].map(
      (ref): [string, { ref: string; clk: string }, RegExp] => [
        `a ref starting ${ref[0]}`,
        { ref, clk: clk(1) },
        /line 2 field "ref" must not start with =, \+, - or @/,
      ],
    ),
    [
      'a raw DEL in a ref (fast path)',
      `{"ref":"a\u007fb","clk":"${clk(1)}","blocks":{}}`,
      /line 2 field "ref" must not hold control/,
    ],
    [
      'a line separator in a ref',
      { ref: 'a\u2028b', clk: clk(1) },
      /line 2 field "ref" must not hold control/,
    ],
    ['non-string key', { ref: 'x', clk: clk(1), blocks: { k1: 5 } }, /line 2 field "blocks.k1"/],
  ])('refuses %s, naming the line', async (_what, line, message) => {
    await expect(readEncodings(file('bad.ndjson', [H, line]), { name: 'bad' })).rejects.toThrow(message);
  });

  it('keeps a multi-byte ref intact when it straddles the 1 MiB read chunks', async () => {
    // Pad so that the ref's first character starts one byte before the chunk boundary: its
    // 3-byte UTF-8 form is then split 1 + 2 across two reads.
    const CHUNK = 1 << 20;
    const lines = [JSON.stringify(H)];
    let bytes = Buffer.byteLength(`${lines[0]}\n`);
    let k = 0;
    const filler = (n: number) => JSON.stringify({ ref: `f${n}`, clk: clk(1) });
    while (bytes + Buffer.byteLength(`${filler(k)}\n`) < CHUNK - 200) {
      lines.push(filler(k));
      bytes += Buffer.byteLength(`${filler(k)}\n`);
      k++;
    }
    const prefix = '{"ref":"';
    const pad = CHUNK - 1 - bytes - Buffer.byteLength(prefix) - 1;
    const padRef = `p${'x'.repeat(pad - Buffer.byteLength(JSON.stringify({ ref: 'p', clk: clk(1) })))}`;
    lines.push(JSON.stringify({ ref: padRef, clk: clk(1) }));
    bytes += Buffer.byteLength(`${lines.at(-1)}\n`);
    expect(bytes + Buffer.byteLength(prefix)).toBe(CHUNK - 1);
    lines.push(JSON.stringify({ ref: '\u20acuro-ref', clk: clk(2) }));
    const path = file('straddle.ndjson', lines);
    const d = await readEncodings(path, { name: 'straddle' });
    expect(d.refs.at(-1)).toBe('\u20acuro-ref');
  });

  it('refuses a repeated reference, a missing header and a truncated file', async () => {
    const rec = { ref: 'x', clk: clk(1) };
    await expect(readEncodings(file('dup.ndjson', [H, rec, rec]), { name: 'd' })).rejects.toThrow(
      /line 3 repeats/,
    );
    await expect(readEncodings(file('nohdr.ndjson', [rec]), { name: 'd' })).rejects.toThrow(
      /not a cohortlink-encodings\/1 header/,
    );
    const summary = {
      type: 'summary',
      rows: 2,
      encoded: 2,
      encodedWithMissing: 0,
      rejected: 0,
      rejectReasons: {},
      rejections: [],
      fields: {},
      popcount: { min: 0, max: 0, mean: 0, sd: 0 },
    };
    await expect(readEncodings(file('trunc.ndjson', [H, rec, summary]), { name: 'd' })).rejects.toThrow(
      /truncated/,
    );
    await expect(readEncodings(join(dir, 'absent.ndjson'), { name: 'd' })).rejects.toThrow(
      /cannot read encodings/,
    );
  });
});

describe('KeyInterner', () => {
  it('gives the same dense ids as a Map of the strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 24 }), { maxLength: 400 }), (keys) => {
        const interner = new KeyInterner(4);
        const map = new Map<string, number>();
        for (const k of keys) {
          const id = interner.intern(keyHashHi(k, 0, k.length), keyHashLo(k, 0, k.length));
          if (!map.has(k)) map.set(k, map.size);
          expect(id).toBe(map.get(k));
        }
        expect(interner.size).toBe(map.size);
        for (const [k, id] of map)
          expect(interner.lookup(keyHashHi(k, 0, k.length), keyHashLo(k, 0, k.length))).toBe(id);
      }),
    );
  });
});

describe('readEncodingsInWorker', () => {
  it('gives the same dataset as reading in-process, and the same errors', async () => {
    const { readEncodingsInWorker } = await import('../../src/matching/input/readInWorker.js');
    const path = file('worker.ndjson', [
      H,
      { ref: 'a', clk: clk(0xff), blocks: { k1: 'X', k2: 'P' } },
      { ref: 'b', clk: clk(0x01), blocks: { k2: 'P' } },
      { ref: 'c', clk: clk(0x03), blocks: { k1: 'X', k2: 'Q' } },
    ]);
    const here = await readEncodings(path, { name: 'w' });
    const there = await readEncodingsInWorker(path, { name: 'w' });
    expect(there.refs).toEqual(here.refs);
    expect(Array.from(there.store.bytes)).toEqual(Array.from(here.store.bytes));
    expect(Array.from(there.store.popcounts)).toEqual(Array.from(here.store.popcounts));
    for (const k of ['k1', 'k2']) {
      const a = here.blockKeys.get(k)!;
      const b = there.blockKeys.get(k)!;
      expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
      for (let id = 0; id < a.keys.size; id++) expect(b.keys.lookup(a.keys.hi[id]!, a.keys.lo[id]!)).toBe(id);
    }
    const bad = file('worker-bad.ndjson', [H, { ref: 'x', clk: clk(1) }, '{"ref":']);
    await expect(readEncodingsInWorker(bad, { name: 'w' })).rejects.toMatchObject({
      code: 'CL_NDJSON_MALFORMED',
      message: expect.stringMatching(/line 3/),
    });
  });
});
