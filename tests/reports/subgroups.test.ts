import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AGE_BAND_LABELS,
  ageBand,
  compareWithRest,
  groupRows,
  parseAsOf,
  SUBGROUP_DEFAULTS,
} from '../../src/reports/subgroupStats.js';
import { subgroupLinkRates } from '../../src/reports/subgroups.js';

const dir = mkdtempSync(join(tmpdir(), 'cohortlink-subgroups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One record of a test dataset: its group and whether it was linked. */
interface Rec {
  readonly group: number;
  readonly linked: boolean;
}

/** The textbook two-proportion z with a pooled proportion, from the records one by one. */
function naive(records: readonly Rec[], group: number) {
  const inG = records.filter((r) => r.group === group);
  const rest = records.filter((r) => r.group !== group);
  const n = inG.length;
  const l = inG.filter((r) => r.linked).length;
  const m = rest.length;
  const k = rest.filter((r) => r.linked).length;
  const pooled = (l + k) / (n + m);
  const diff = m === 0 ? 0 : l / n - k / m;
  const se = m === 0 ? 0 : Math.sqrt(pooled * (1 - pooled) * (1 / n + 1 / m));
  return { n, l, diff, z: se === 0 ? 0 : diff / se };
}

const recordsArb = fc.array(fc.record({ group: fc.integer({ min: 0, max: 5 }), linked: fc.boolean() }), {
  minLength: 1,
  maxLength: 400,
});

describe('groupRows (rate, difference, z, flag)', () => {
  it('agrees with a naive count record by record, for any records and thresholds', () => {
    fc.assert(
      fc.property(
        recordsArb,
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        (records, minDifference, minZ, minGroup) => {
          const groups = [0, 1, 2, 3, 4, 5].map((g) => ({
            group: `g${g}`,
            records: records.filter((r) => r.group === g).length,
            linked: records.filter((r) => r.group === g && r.linked).length,
          }));
          const total = { records: records.length, linked: records.filter((r) => r.linked).length };
          const rows = groupRows(groups, total, { minDifference, minZ, minGroup });
          const present = [0, 1, 2, 3, 4, 5].filter((g) => records.some((r) => r.group === g));
          expect(rows.map((r) => r.group)).toEqual(present.map((g) => `g${g}`));
          for (const [k, g] of present.entries()) {
            const want = naive(records, g);
            const row = rows[k]!;
            if (want.n < minGroup) {
              expect(row).toMatchObject({
                suppressed: true,
                records: null,
                linked: null,
                rate: null,
                flag: null,
              });
              continue;
            }
            expect(row.suppressed).toBe(false);
            expect(row.records).toBe(want.n);
            expect(row.linked).toBe(want.l);
            expect(row.rate).toBeCloseTo(want.l / want.n, 12);
            expect(row.difference).toBeCloseTo(want.diff, 12);
            expect(row.z).toBeCloseTo(want.z, 9);
            const marked = Math.abs(want.diff) >= minDifference - 1e-9 && Math.abs(want.z) >= minZ - 1e-9;
            expect(row.flag).toBe(marked ? (want.diff < 0 ? 'under-linked' : 'over-linked') : null);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('flags only when both the difference and z are marked (default 2 points and |z| ≥ 3)', () => {
    const o = SUBGROUP_DEFAULTS;
    // 1,000 at 90 % against 9,000 at 95 %: 5 points, z ≈ −6.6 → under-linked.
    const big = groupRows(
      [
        { group: 'a', records: 1000, linked: 900 },
        { group: 'b', records: 9000, linked: 8550 },
      ],
      { records: 10_000, linked: 9450 },
      o,
    );
    expect(big.map((r) => r.flag)).toEqual(['under-linked', 'over-linked']);
    expect(big[0]!.z!).toBeLessThan(-6);
    // 30 at 90 % against 970 at 95 %: 5 points but z ≈ −1.2 (noise) → not flagged.
    const small = groupRows(
      [{ group: 'a', records: 30, linked: 27 }],
      { records: 1000, linked: 27 + 922 },
      o,
    );
    expect(Math.abs(small[0]!.difference!)).toBeGreaterThan(0.02);
    expect(small[0]!.flag).toBeNull();
    // 1M records, 94.5 % against 95 %: |z| ≈ 7 but half a point → not flagged.
    const trivial = groupRows(
      [{ group: 'a', records: 200_000, linked: 189_000 }],
      { records: 1_000_000, linked: 189_000 + 760_000 },
      o,
    );
    expect(Math.abs(trivial[0]!.z!)).toBeGreaterThan(3);
    expect(trivial[0]!.flag).toBeNull();
    // Nine records are suppressed; ten are shown.
    const cells = groupRows(
      [
        { group: 'nine', records: 9, linked: 0 },
        { group: 'ten', records: 10, linked: 0 },
      ],
      { records: 1000, linked: 900 },
      o,
    );
    expect(cells.map((r) => [r.suppressed, r.records])).toEqual([
      [true, null],
      [false, 10],
    ]);
  });

  it('gives 0 when there is no one else to compare with, or every rate is 0 or 1', () => {
    expect(compareWithRest(10, 5, 10, 5)).toEqual({ difference: 0, z: 0 });
    expect(compareWithRest(10, 10, 50, 50)).toEqual({ difference: 0, z: 0 });
    expect(compareWithRest(10, 0, 50, 0)).toEqual({ difference: 0, z: 0 });
  });
});

describe('ageBand', () => {
  const on = (iso: string) => parseAsOf(iso, 'asOf');
  const band = (y: number, m: number, iso: string) => AGE_BAND_LABELS[ageBand(y, m, on(iso))];
  it.each([
    // Born March 2009: 15 until March 2025, then 16.
    [2009, 3, '2025-02-28', '0–15'],
    [2009, 3, '2025-03-01', '16–24'],
    [2000, 1, '2025-01-01', '25–34'],
    [1990, 12, '2025-06-30', '25–34'],
    [1990, 12, '2025-12-01', '35–44'],
    [1940, 6, '2025-06-01', '85+'],
    [1941, 6, '2025-05-31', '75–84'],
    // Month unknown: birthday taken as 1 July.
    [2009, 0, '2025-06-30', '0–15'],
    [2009, 0, '2025-07-01', '16–24'],
    // Year unknown, or born after the date: unknown.
    [0, 5, '2025-01-01', 'unknown'],
    [2026, 1, '2025-01-01', 'unknown'],
  ])('born %i-%i on %s is %s', (y, m, iso, want) => {
    expect(band(y, m, iso)).toBe(want);
  });

  it('has the issue’s bands', () => {
    expect(AGE_BAND_LABELS).toEqual([
      '0–15',
      '16–24',
      '25–34',
      '35–44',
      '45–54',
      '55–64',
      '65–74',
      '75–84',
      '85+',
      'unknown',
    ]);
  });

  it('rejects a date that is not YYYY-MM-DD or not real, naming the flag', () => {
    for (const bad of ['2025-02-30', '25-01-01', '2025/01/01', '', '1700-01-01'])
      expect(() => parseAsOf(bad, '--as-of')).toThrow(
        expect.objectContaining({ code: 'CL_USAGE', message: expect.stringContaining('--as-of') }),
      );
  });
});

const REGIONS = ['Y56', 'Y58', 'Y60'];
const SEXES = ['F', 'M', 'I', 'U'] as const;

interface Person {
  readonly birthYear: number | null;
  readonly birthMonth: number | null;
  readonly sex: (typeof SEXES)[number] | null;
  readonly region: string | null;
  /** Index of the person's key; records sharing it are one person. */
  readonly key: number;
  /** Left out of the attributes file. */
  readonly noAttributes: boolean;
}

const personArb = (keys: number) =>
  fc.record({
    birthYear: fc.option(fc.integer({ min: 1925, max: 2024 })),
    birthMonth: fc.option(fc.integer({ min: 1, max: 12 })),
    sex: fc.option(fc.constantFrom(...SEXES)),
    region: fc.option(fc.constantFrom(...REGIONS)),
    key: fc.integer({ min: 0, max: keys - 1 }),
    noAttributes: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
  });

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
/** Keys that differ in letters as well as digits (matching packs them character by character). */
const keyOf = (k: number): string => {
  const digits = (k * 1_000_003).toString(32).padStart(26, '0');
  return `lk_${[...digits].map((c) => CROCKFORD[Number.parseInt(c, 32)]).join('')}`;
};

function writeDataset(
  name: string,
  people: readonly Person[],
  run: string,
): { keysPath: string; attributesPath: string } {
  const keysPath = join(run, `${name}.keys.csv`);
  const attributesPath = join(run, `${name}.attributes.ndjson`);
  writeFileSync(
    keysPath,
    `ref,linkage_key\n${people.map((p, i) => `${name}-${i},${keyOf(p.key)}`).join('\n')}\n`,
  );
  writeFileSync(
    attributesPath,
    people
      .flatMap((p, i) =>
        p.noAttributes
          ? []
          : [
              JSON.stringify({
                ref: `${name}-${i}`,
                birthYear: p.birthYear,
                birthMonth: p.birthMonth,
                sex: p.sex,
                region: p.region,
                deceased: false,
              }),
            ],
      )
      .join('\n'),
  );
  return { keysPath, attributesPath };
}

let runNo = 0;

describe('subgroupLinkRates', () => {
  it('counts each group as a naive pass over the records does (two datasets and dedup)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(personArb(40), { minLength: 1, maxLength: 120 }),
        fc.array(personArb(40), { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        async (left, right, dedup) => {
          const run = join(dir, `run${runNo++}`);
          mkdirSync(run);
          const a = writeDataset('a', left, run);
          const b = writeDataset('b', right, run);
          const runDatasets = dedup
            ? [{ dataset: 'a', keysPath: a.keysPath }]
            : [
                { dataset: 'a', keysPath: a.keysPath },
                { dataset: 'b', keysPath: b.keysPath },
              ];
          const section = await subgroupLinkRates(runDatasets, [{ dataset: 'a', ...a }], {
            asOf: '2025-01-01',
            minGroup: 1,
          });
          const rightKeys = new Set(right.map((p) => p.key));
          const linked = left.map((p) =>
            dedup ? left.filter((q) => q.key === p.key).length > 1 : rightKeys.has(p.key),
          );
          const d = section.datasets[0]!;
          expect(d.records).toBe(left.length);
          expect(d.linked).toBe(linked.filter(Boolean).length);
          expect(d.recordsWithoutAttributes).toBe(left.filter((p) => p.noAttributes).length);
          const groupOf = {
            'age band': (p: Person) =>
              p.noAttributes
                ? 'unknown'
                : AGE_BAND_LABELS[ageBand(p.birthYear ?? 0, p.birthMonth ?? 0, { year: 2025, month: 1 })]!,
            sex: (p: Person) =>
              p.noAttributes || p.sex === null
                ? 'unknown'
                : { F: 'female', M: 'male', I: 'indeterminate', U: 'unknown' }[p.sex],
            region: (p: Person) => (p.noAttributes || p.region === null ? 'unknown' : p.region),
          };
          for (const dim of d.dimensions) {
            const f = groupOf[dim.dimension];
            const counted = new Map<string, [number, number]>();
            left.forEach((p, i) => {
              const c = counted.get(f(p)) ?? [0, 0];
              counted.set(f(p), [c[0] + 1, c[1] + (linked[i] ? 1 : 0)]);
            });
            expect(new Set(dim.rows.map((r) => r.group))).toEqual(new Set(counted.keys()));
            for (const row of dim.rows) expect([row.records, row.linked]).toEqual(counted.get(row.group));
          }
          expect(section.linkedMeans).toBe(dedup ? 'key on another record' : 'key in another dataset');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names the file and line of bad attributes, a missing keys file and an unknown dataset', async () => {
    const run = join(dir, 'bad');
    mkdirSync(run);
    const people: Person[] = [
      { birthYear: 1980, birthMonth: 1, sex: 'F', region: 'Y56', key: 1, noAttributes: false },
      { birthYear: 1990, birthMonth: 2, sex: 'M', region: 'Y58', key: 2, noAttributes: false },
    ];
    const a = writeDataset('a', people, run);
    writeFileSync(
      a.attributesPath,
      '{"ref":"a-0","birthYear":1980,"sex":"F","deceased":false}\n{"ref":"a-1","sex":"X","deceased":false}\n',
    );
    await expect(
      subgroupLinkRates([{ dataset: 'a', keysPath: a.keysPath }], [{ dataset: 'a', ...a }]),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'CL_NDJSON_MALFORMED',
        message: expect.stringContaining(a.attributesPath),
        issues: [expect.objectContaining({ path: 'line 2, column sex' })],
      }),
    );
    await expect(
      subgroupLinkRates(
        [{ dataset: 'a', keysPath: join(run, 'nope.keys.csv') }],
        [{ dataset: 'a', keysPath: join(run, 'nope.keys.csv'), attributesPath: a.attributesPath }],
      ),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'CL_FILE_UNREADABLE',
        message: expect.stringContaining('nope.keys.csv'),
      }),
    );
    await expect(
      subgroupLinkRates([{ dataset: 'a', keysPath: a.keysPath }], [{ dataset: 'z', ...a }]),
    ).rejects.toThrow(expect.objectContaining({ code: 'CL_USAGE', message: expect.stringContaining('z') }));
    await expect(
      subgroupLinkRates([{ dataset: 'a', keysPath: a.keysPath }], [{ dataset: 'a', ...a }], {
        asOf: '2025-13-01',
      }),
    ).rejects.toThrow(
      expect.objectContaining({ code: 'CL_USAGE', message: expect.stringContaining('asOf') }),
    );
  });
});
