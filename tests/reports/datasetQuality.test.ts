import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvFormatRows } from 'd3-dsv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import {
  buildDatasetQualityReport,
  type DatasetQualityReport,
  markedlyWorse,
} from '../../src/reports/datasetQuality.js';
import { renderDatasetQualityHtml } from '../../src/reports/datasetQualityHtml.js';
import { readCsv } from '../datasets/helpers.js';
import { encodeUk, runCli, tempDir } from '../helpers/cli.js';
import { clks, header, randomFilters, refOf, summary, writeEncodings } from './encodingStatsFixture.js';

let dir: string;
const enc = (name: string) => ({ name, path: join(dir, `${name}.ndjson`) });

/** Generated data, with hospital_nopc a copy of hospital whose postcode column is blank. */
beforeAll(() => {
  dir = tempDir('cohortlink-dq-');
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'data quality test secret\n');
  const gen = runCli(['generate', '--people', '2000', '--seed', '5', '--out', dir]);
  expect(gen.status, gen.stderr).toBe(0);
  const { header: cols, rows } = readCsv(join(dir, 'hospital.csv'));
  const pc = cols.indexOf('postcode');
  expect(pc).toBeGreaterThan(0);
  writeFileSync(
    join(dir, 'hospital_nopc.csv'),
    `${csvFormatRows([cols, ...rows.map((r) => r.map((v, i) => (i === pc ? '' : v)))])}\n`,
  );
  for (const name of ['spine', 'hospital', 'registry', 'hospital_nopc']) {
    encodeUk(join(dir, `${name}.csv`), join(dir, `${name}.ndjson`), secret);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data-quality report on generated data', () => {
  let nopc: DatasetQualityReport;
  let hospital: DatasetQualityReport;
  beforeAll(async () => {
    nopc = await buildDatasetQualityReport(enc('hospital_nopc'), [enc('spine'), enc('registry')]);
    hospital = await buildDatasetQualityReport(enc('hospital'), [enc('spine'), enc('registry')]);
  });

  it('flags the dataset whose postcodes were blanked, and only for postcode among the clean fields', () => {
    const pc = nopc.comparison.fields.find((f) => f.field === 'postcode')!;
    expect(pc.missingRate).toBe(1);
    expect(pc.othersMedianMissingRate).toBeLessThan(0.05);
    expect(pc.missingFlagged).toBe(true);
    expect(nopc.flags).toContainEqual(expect.objectContaining({ kind: 'missing', field: 'postcode' }));
    // The untouched hospital file is not flagged for postcode.
    const hpc = hospital.comparison.fields.find((f) => f.field === 'postcode')!;
    expect(hpc.missingFlagged).toBe(false);
    expect(hospital.flags.some((f) => f.field === 'postcode')).toBe(false);
  });

  it('flags the popcount mean that blank postcodes pulled down', () => {
    const pm = nopc.comparison.popcountMean;
    expect(pm.othersMedian).not.toBeNull();
    expect(pm.relativeDifference!).toBeLessThanOrEqual(-0.1);
    expect(pm.flagged).toBe(true);
    expect(hospital.comparison.popcountMean.flagged).toBe(false);
  });

  it("takes rows, fields and popcounts from the file and its encoder's summary", () => {
    const ndjson = readFileSync(join(dir, 'hospital.ndjson'), 'utf8').trim().split('\n');
    const s = JSON.parse(ndjson.at(-1)!);
    expect(hospital.rows).toMatchObject({ read: s.rows, encoded: s.encoded, rejected: s.rejected });
    expect(hospital.dataset.records).toBe(ndjson.length - 2);
    const f = hospital.fields.find((x) => x.field === 'nhs_number')!;
    const q = s.fields.nhs_number;
    expect(f).toMatchObject({ present: q.present, missing: q.missing, invalid: q.invalid });
    expect(Object.fromEntries(f.invalidReasons.map((x) => [x.reason, x.count]))).toEqual(q.invalidReasons);
    expect(f.missingRate).toBeCloseTo(q.missing / (q.present + q.missing + q.invalid), 12);
    // The encoder's summary computed the popcount mean too: the file pass must agree with it.
    expect(hospital.popcount.mean).toBeCloseTo(s.popcount.mean, 6);
    expect(hospital.popcount.min).toBe(s.popcount.min);
    expect(hospital.popcount.histogram.reduce((a, b) => a + b.filters, 0)).toBe(hospital.dataset.records);
  });

  it('puts no ref, identifier or encoding in the JSON or the page', () => {
    const json = JSON.stringify(nopc) + JSON.stringify(hospital);
    const html = renderDatasetQualityHtml(nopc) + renderDatasetQualityHtml(hospital);
    const lines = readFileSync(join(dir, 'hospital.ndjson'), 'utf8').trim().split('\n').slice(1, -1);
    const csv = readCsv(join(dir, 'hospital.csv'));
    const secrets = [
      ...lines.slice(0, 200).flatMap((l) => {
        const r = JSON.parse(l) as { ref: string; clk: string; blocks: Record<string, string> };
        return [r.ref, r.clk, r.clk.slice(0, 24), ...Object.values(r.blocks)];
      }),
      ...csv.rows
        .slice(0, 200)
        .flatMap((r) => [r[1]!, r[3]!])
        .filter((v) => v.length >= 6),
    ];
    expect(secrets.length).toBeGreaterThan(500);
    for (const s of secrets) {
      expect(json).not.toContain(s);
      expect(html).not.toContain(s);
    }
  });
});

describe('data-quality report rules and edge cases', () => {
  it.each([
    { rate: 0.25, median: 0.02, flagged: true, why: 'far above' },
    { rate: 0.06, median: 0, flagged: true, why: 'others never miss it' },
    { rate: 0.04, median: 0, flagged: false, why: 'under 5 points above' },
    { rate: 0.07, median: 0.04, flagged: false, why: 'under twice the median' },
    { rate: 0.52, median: 0.25, flagged: true, why: 'twice and 27 points' },
    { rate: 0.5, median: null, flagged: false, why: 'nothing to compare with' },
  ])(
    'a rate of $rate against a median of $median is flagged: $flagged ($why)',
    ({ rate, median, flagged }) => {
      expect(markedlyWorse(rate, median)).toBe(flagged);
    },
  );

  it('reports a file without a summary line, and others without one, as unknown rather than zero', async () => {
    const d = tempDir('cohortlink-dq-edge-');
    try {
      const a = join(d, 'a.ndjson');
      const b = join(d, 'b.ndjson');
      writeEncodings(
        a,
        randomFilters(50, 128, () => 0.3),
        { filterBits: 128, summary: false },
      );
      writeEncodings(
        b,
        randomFilters(50, 128, () => 0.3),
        { filterBits: 128, summary: false },
      );
      const r = await buildDatasetQualityReport({ name: 'a', path: a }, [{ name: 'b', path: b }]);
      expect(r.summaryAvailable).toBe(false);
      expect(r.rows).toBeNull();
      expect(r.fields).toEqual([]);
      expect(r.comparison.others).toEqual([expect.objectContaining({ name: 'b', summaryAvailable: false })]);
      expect(r.comparison.popcountMean.othersMedian).toBeNull();
      expect(r.popcount.histogram.reduce((s, x) => s + x.filters, 0)).toBe(50);
      expect(renderDatasetQualityHtml(r)).toContain('no summary line');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('compares popcounts only with datasets of the same schema', async () => {
    const d = tempDir('cohortlink-dq-schema-');
    try {
      const a = join(d, 'a.ndjson');
      const b = join(d, 'b.ndjson');
      writeEncodings(
        a,
        randomFilters(40, 128, () => 0.2),
        { filterBits: 128 },
      );
      writeEncodings(
        b,
        randomFilters(40, 128, () => 0.6),
        {
          filterBits: 128,
          schemaFingerprint: 'd'.repeat(32),
          summary: { popcount: { min: 60, max: 90, mean: 77, sd: 5 } },
        },
      );
      const r = await buildDatasetQualityReport({ name: 'a', path: a }, [{ name: 'b', path: b }]);
      expect(r.comparison.others[0]!.sameSchema).toBe(false);
      expect(r.comparison.popcountMean.flagged).toBe(false);
      expect(r.comparison.popcountMean.othersMedian).toBeNull();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('fails on a malformed dataset, naming the file and line', async () => {
    const d = tempDir('cohortlink-dq-bad-');
    try {
      const a = join(d, 'bad.ndjson');
      const filters = randomFilters(3, 64, () => 0.5);
      const c = clks(filters);
      writeFileSync(
        a,
        [
          JSON.stringify(header({ filterBits: 64 })),
          `{"ref":"${refOf(0)}","clk":"${c[0]}"}`,
          `{"ref":"${refOf(1)}","clk":"${c[1]}"`,
          JSON.stringify(summary(2)),
        ].join('\n'),
      );
      const err = await buildDatasetQualityReport({ name: 'bad', path: a }, []).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CohortlinkError);
      expect((err as Error).message).toMatch(/bad\.ndjson line 3 is not valid JSON/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('renders a page with no script, no external reference and escaped names', async () => {
    const d = tempDir('cohortlink-dq-html-');
    try {
      const a = join(d, 'a.ndjson');
      writeEncodings(
        a,
        randomFilters(30, 128, () => 0.3),
        {
          filterBits: 128,
          summary: {
            fields: { '<b>pc</b>': { present: 20, missing: 10, invalid: 0, invalidReasons: {} } },
            popcount: { min: 0, max: 0, mean: 0, sd: 0 },
          },
        },
      );
      const r = await buildDatasetQualityReport({ name: '<script>alert(1)</script>', path: a }, []);
      const html = renderDatasetQualityHtml(r);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<[^>]*\s(src|href)\s*=/i);
      expect(html).not.toMatch(/https?:\/\//i);
      expect(html).not.toMatch(/@import|url\(/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&lt;b&gt;pc&lt;/b&gt;');
      expect(html).toContain('<svg');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
