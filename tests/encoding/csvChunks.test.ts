import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvParseRows } from 'd3-dsv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCsv } from '../../src/encoding/csvChunks.js';
import { tempDir } from '../helpers/cli.js';

const field = fc.oneof(
  fc.stringMatching(/^[a-z0-9 ]{0,8}$/),
  // Quoted fields with commas, escaped quotes and newlines inside.
  fc.stringMatching(/^[a-z,\n"]{0,12}$/).map((s) => `"${s.replace(/"/g, '""')}"`),
);
const row = fc.array(field, { minLength: 3, maxLength: 3 }).map((r) => r.join(','));

describe('CSV chunking', () => {
  it('cuts only at record boundaries, whatever the chunk size and quoting', async () => {
    const dir = tempDir();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 64 }),
        async (rows, chunkBytes) => {
          const path = join(dir, `c${n++}.csv`);
          const text = `a,b,c\n${rows.join('\n')}\n`;
          writeFileSync(path, text);
          const source = await splitCsv(path, chunkBytes);
          const pieces: string[] = [];
          for await (const c of source.chunks) pieces.push(Buffer.from(c.bytes).toString('utf8'));
          expect(Buffer.from(source.header).toString('utf8')).toBe('a,b,c\n');
          expect(pieces.join('')).toBe(text.slice('a,b,c\n'.length));
          // Parsing chunk by chunk gives exactly the rows of parsing the whole.
          const whole = csvParseRows(text.slice(6));
          expect(pieces.flatMap((p) => csvParseRows(p))).toEqual(whole);
        },
      ),
      { numRuns: 150 },
    );
  });
});
