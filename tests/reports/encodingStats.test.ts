import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { readEncodingStats } from '../../src/reports/encodingStats.js';
import { readEncodingsEnds } from '../../src/reports/encodingsSummary.js';
import { countShared } from '../../src/reports/privacyRisk.js';
import { tempDir } from '../helpers/cli.js';
import { header, randomFilters, summary, writeEncodings } from './encodingStatsFixture.js';

const dir = tempDir('cohortlink-encstats-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const nextPath = () => join(dir, `f${fileNo++}.ndjson`);

/** The obviously-correct reference: bit by bit, filters compared as hex strings. */
function naive(filters: readonly Uint8Array[], bits: number) {
  const bitCounts = new Array<number>(bits).fill(0);
  const popcounts = new Array<number>(bits + 1).fill(0);
  const byPattern = new Map<string, { n: number; pop: number }>();
  for (const f of filters) {
    let pop = 0;
    for (let i = 0; i < bits; i++)
      if ((f[i >>> 3]! >> (7 - (i & 7))) & 1) {
        bitCounts[i]!++;
        pop++;
      }
    popcounts[pop]!++;
    const key = Buffer.from(f).toString('hex');
    const e = byPattern.get(key) ?? { n: 0, pop };
    e.n++;
    byPattern.set(key, e);
  }
  const uniqueAtPopcount = new Array<number>(bits + 1).fill(0);
  let duplicateRecords = 0;
  let duplicatedFilters = 0;
  let largest = 0;
  for (const { n, pop } of byPattern.values()) {
    if (n === 1) uniqueAtPopcount[pop]!++;
    else {
      duplicateRecords += n;
      duplicatedFilters++;
    }
    largest = Math.max(largest, n);
  }
  return {
    bitCounts,
    popcounts,
    uniqueAtPopcount,
    duplicateRecords,
    duplicatedFilters,
    largest,
    distinct: byPattern.size,
  };
}

/** Filters drawn from a small pool (so duplicates are common) mixed with fresh random ones. */
const filtersArb = (bytes: number) =>
  fc
    .tuple(
      fc.array(fc.uint8Array({ minLength: bytes, maxLength: bytes }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.oneof(fc.nat(), fc.uint8Array({ minLength: bytes, maxLength: bytes })), {
        minLength: 0,
        maxLength: 120,
      }),
    )
    .map(([pool, picks]) => picks.map((p) => (typeof p === 'number' ? pool[p % pool.length]! : p)));

describe('readEncodingStats', () => {
  it('agrees with a naive reference on bit counts, popcounts, duplicates and uniqueness', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(64, 128, 192).chain((bits) => fc.tuple(fc.constant(bits), filtersArb(bits / 8))),
        async ([bits, filters]) => {
          const path = nextPath();
          writeEncodings(path, filters, { filterBits: bits });
          const s = await readEncodingStats(path);
          const ref = naive(filters, bits);
          expect(s.records).toBe(filters.length);
          expect(Array.from(s.bitCounts)).toEqual(ref.bitCounts);
          expect(Array.from(s.popcountCounts)).toEqual(ref.popcounts);
          expect(Array.from(s.uniqueAtPopcount)).toEqual(ref.uniqueAtPopcount);
          expect(s.duplicateRecords).toBe(ref.duplicateRecords);
          expect(s.duplicatedFilters).toBe(ref.duplicatedFilters);
          expect(s.largestDuplicateGroup).toBe(ref.largest);
          expect(s.distinctFilters).toBe(ref.distinct);
          expect(s.digests.length).toBe(ref.distinct);
          expect(new Set(s.digests).size).toBe(ref.distinct);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('counts the filters two files share through their digests', async () => {
    await fc.assert(
      fc.asyncProperty(filtersArb(16), filtersArb(16), async (a, b) => {
        const pa = nextPath();
        const pb = nextPath();
        writeEncodings(pa, a, { filterBits: 128 });
        writeEncodings(pb, b, { filterBits: 128 });
        const [sa, sb] = [await readEncodingStats(pa), await readEncodingStats(pb)];
        const hex = (fs: readonly Uint8Array[]) => new Set(fs.map((f) => Buffer.from(f).toString('hex')));
        const hb = hex(b);
        const expected = [...hex(a)].filter((x) => hb.has(x)).length;
        expect(countShared(sa.digests, sb.digests)).toBe(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('keeps the table right through many growths (20,000 filters, a tenth repeated)', async () => {
    const fresh = randomFilters(18_000, 256, () => 0.3, 7);
    const filters = [...fresh, ...fresh.slice(0, 2_000)];
    const path = nextPath();
    writeEncodings(path, filters, { filterBits: 256 });
    const s = await readEncodingStats(path);
    const ref = naive(filters, 256);
    expect(s.duplicateRecords).toBe(ref.duplicateRecords);
    expect(s.duplicatedFilters).toBe(2_000);
    expect(s.distinctFilters).toBe(ref.distinct);
    expect(Array.from(s.bitCounts)).toEqual(ref.bitCounts);
  });

  it('reads a file whose lines cross the 1 MiB read chunks, CRLF and no final newline', async () => {
    const filters = randomFilters(9_000, 1024, () => 0.3, 3);
    const path = nextPath();
    writeEncodings(path, filters, { filterBits: 1024, refs: filters.map((_, i) => `réf-ü-${i}`) });
    const { readFileSync } = await import('node:fs');
    writeFileSync(path, readFileSync(path, 'utf8').trimEnd().replace(/\n/g, '\r\n'));
    const s = await readEncodingStats(path);
    expect(s.records).toBe(9_000);
    expect(Array.from(s.bitCounts)).toEqual(naive(filters, 1024).bitCounts);
  });

  it('names the line of a malformed record', async () => {
    const path = nextPath();
    const good = Buffer.alloc(8).toString('base64');
    writeFileSync(
      path,
      [
        JSON.stringify(header({ filterBits: 64 })),
        `{"ref":"r1","clk":"${good}"}`,
        '{"ref":"r2","clk":"not base64!!"}',
        JSON.stringify(summary(2)),
      ].join('\n'),
    );
    const err = await readEncodingStats(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CohortlinkError);
    expect((err as CohortlinkError).code).toBe('CL_NDJSON_MALFORMED');
    expect((err as CohortlinkError).message).toContain('line 3');
  });

  it('refuses a file whose summary counts other than its records (truncated)', async () => {
    const path = nextPath();
    writeEncodings(
      path,
      randomFilters(5, 64, () => 0.5),
      { filterBits: 64, summary: { encoded: 6 } },
    );
    await expect(readEncodingStats(path)).rejects.toThrow(
      /summary counts 6 encoded records but the file holds 5/,
    );
  });

  it('reports an unreadable file as such', async () => {
    await expect(readEncodingStats(join(dir, 'missing.ndjson'))).rejects.toMatchObject({
      code: 'CL_FILE_UNREADABLE',
    });
  });
});

describe('readEncodingsEnds', () => {
  it('reads the header and a long summary line without reading the records', () => {
    const path = nextPath();
    const rejections = Array.from({ length: 1000 }, (_, i) => ({ row: i + 1, reason: 'duplicate_ref' }));
    writeEncodings(
      path,
      randomFilters(3_000, 512, () => 0.3),
      {
        filterBits: 512,
        summary: { rejections, rejected: 1000, rows: 4000 },
      },
    );
    const e = readEncodingsEnds(path);
    expect(e.header.filterBits).toBe(512);
    expect(e.summary?.rejections.length).toBe(1000);
    expect(e.summary?.encoded).toBe(3000);
  });

  it('has no summary when the last line is a record or the header', () => {
    const a = nextPath();
    writeEncodings(
      a,
      randomFilters(3, 64, () => 0.5),
      { filterBits: 64, summary: false },
    );
    expect(readEncodingsEnds(a).summary).toBeUndefined();
    const b = nextPath();
    writeEncodings(b, [], { filterBits: 64, summary: false });
    expect(readEncodingsEnds(b).summary).toBeUndefined();
  });

  it('refuses a bad header on line 1 and a malformed summary', () => {
    const a = nextPath();
    writeFileSync(a, '{"type":"header"}\n');
    expect(() => readEncodingsEnds(a)).toThrow(/line 1/);
    const b = nextPath();
    writeFileSync(b, `${JSON.stringify(header({ filterBits: 64 }))}\n{"type":"summary","rows":"x"}\n`);
    expect(() => readEncodingsEnds(b)).toThrow(/last line is a malformed summary/);
  });
});
