import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateSummary, generatePopulation } from '../../datasets/generate.js';
import { isValidNhsNumber } from '../../datasets/ids.js';
import { POSTCODE_PATTERN, regionForPostcode } from '../../datasets/places.js';
import { daysInMonth } from '../../datasets/population.js';
import type { CorruptionReport } from '../../datasets/report.js';
import { CohortlinkError } from '../../src/errors.js';
import {
  hospitalDateToIso,
  readCsv,
  readRecords,
  readTruth,
  removeTempDirs,
  type Truth,
  tempDir,
} from './helpers.js';

afterAll(removeTempDirs);

const PEOPLE = 20_000;
let dir: string;
let summary: GenerateSummary;
let truth: Truth;
let spine: Record<string, string>[];
let report: CorruptionReport;

beforeAll(async () => {
  dir = tempDir();
  summary = await generatePopulation({ people: PEOPLE, seed: 42, outDir: dir });
  truth = readTruth(join(dir, 'truth.csv'));
  spine = readRecords(join(dir, 'spine.csv'));
  report = JSON.parse(readFileSync(join(dir, 'corruption.json'), 'utf8'));
});

describe('generatePopulation: files and truth', () => {
  it('writes the spine, both derived datasets, truth and the corruption report', () => {
    expect(summary.files.map((f) => f.name)).toEqual(['spine', 'hospital', 'registry', 'truth']);
    expect(readCsv(join(dir, 'spine.csv')).header).toEqual([
      'spine_ref',
      'nhs_number',
      'given_name',
      'family_name',
      'date_of_birth',
      'sex',
      'postcode',
      'address_line',
      'region',
    ]);
    expect(readCsv(join(dir, 'hospital.csv')).header[0]).toBe('hospital_ref');
    expect(readCsv(join(dir, 'registry.csv')).header[0]).toBe('registry_ref');
    expect(spine).toHaveLength(PEOPLE);
  });

  it('has exactly one truth row for every record of every file, and no others', () => {
    let total = 0;
    for (const name of ['spine', 'hospital', 'registry']) {
      const { rows } = readCsv(join(dir, `${name}.csv`));
      const refs = truth.byDataset.get(name)!;
      expect(refs.size).toBe(rows.length);
      for (const r of rows) expect(refs.has(r[0]!)).toBe(true);
      expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
      expect(summary.files.find((f) => f.name === name)!.rows).toBe(rows.length);
      total += rows.length;
    }
    expect(truth.rows).toBe(total);
    expect(truth.byDataset.size).toBe(3);
  });

  it('links the configured share of the spine into each dataset, plus ~5% out-of-spine people', () => {
    const spinePeople = new Set(truth.byDataset.get('spine')!.values());
    for (const [name, overlap] of [
      ['hospital', 0.8],
      ['registry', 0.5],
    ] as const) {
      const pids = [...truth.byDataset.get(name)!.values()];
      const inSpine = new Set(pids.filter((p) => spinePeople.has(p)));
      expect(Math.abs(inSpine.size / PEOPLE - overlap)).toBeLessThan(0.015);
      const outside = pids.filter((p) => !spinePeople.has(p)).length / pids.length;
      expect(outside).toBeGreaterThan(0.03);
      expect(outside).toBeLessThan(0.07);
      const duplicates = pids.length - new Set(pids).size;
      expect(duplicates / pids.length).toBeGreaterThan(0.005);
      expect(duplicates / pids.length).toBeLessThan(0.02);
      expect(report.datasets[name]!.duplicateRecords).toBe(duplicates);
    }
  });

  it('does not write derived files in spine order', () => {
    const spineOrder = new Map([...truth.byDataset.get('spine')!.values()].map((p, i) => [p, i]));
    const hospital = readCsv(join(dir, 'hospital.csv')).rows.slice(0, 500);
    const ref = truth.byDataset.get('hospital')!;
    const positions = hospital.map((r) => spineOrder.get(ref.get(r[0]!)!) ?? -1).filter((i) => i >= 0);
    let ascending = 0;
    for (let i = 1; i < positions.length; i++) if (positions[i]! > positions[i - 1]!) ascending++;
    expect(ascending / positions.length).toBeLessThan(0.7);
  });
});

describe('generatePopulation: spine validity', () => {
  it('gives every person a unique valid NHS number starting 4–9', () => {
    const numbers = spine.map((p) => p.nhs_number!);
    for (const n of numbers) {
      expect(isValidNhsNumber(n)).toBe(true);
      expect(Number(n[0])).toBeGreaterThanOrEqual(4);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('uses UK-format postcodes, real ISO dates, M/F/I and regions that match the postcode', () => {
    for (const p of spine) {
      expect(p.postcode).toMatch(POSTCODE_PATTERN);
      expect(regionForPostcode(p.postcode!)).toBe(p.region);
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(p.date_of_birth!)!;
      expect(m).not.toBeNull();
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      expect(y).toBeGreaterThanOrEqual(1924);
      expect(y).toBeLessThanOrEqual(2024);
      expect(mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo)).toBe(true);
      expect(['M', 'F', 'I']).toContain(p.sex);
      expect(p.spine_ref).toMatch(/^S[0-9A-HJKMNP-TV-Z]{10}$/);
    }
  });

  it('looks like a UK population: sexes, ages, households, skewed names, quoted addresses', () => {
    const ages = spine.map((p) => 2024 - Number(p.date_of_birth!.slice(0, 4)));
    const share = (f: (a: number) => boolean) => ages.filter(f).length / ages.length;
    expect(share((a) => a < 18)).toBeGreaterThan(0.12);
    expect(share((a) => a < 18)).toBeLessThan(0.3);
    expect(share((a) => a >= 65)).toBeGreaterThan(0.1);
    expect(share((a) => a >= 65)).toBeLessThan(0.3);
    const female = spine.filter((p) => p.sex === 'F').length / PEOPLE;
    expect(Math.abs(female - 0.5)).toBeLessThan(0.03);
    const households = new Set(spine.map((p) => `${p.postcode}|${p.address_line}`)).size;
    expect(PEOPLE / households).toBeGreaterThan(1.8);
    expect(PEOPLE / households).toBeLessThan(3);
    const surnames = new Map<string, number>();
    for (const p of spine) surnames.set(p.family_name!, (surnames.get(p.family_name!) ?? 0) + 1);
    expect(surnames.size).toBeGreaterThan(400);
    const top = [...surnames.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(top[0]).toBe('Smith');
    expect(spine.some((p) => /[ëéá]/.test(p.given_name!))).toBe(true);
    expect(spine.some((p) => p.family_name!.includes("'"))).toBe(true);
    expect(spine.some((p) => p.given_name!.includes(' '))).toBe(true);
    expect(spine.some((p) => p.address_line!.includes(','))).toBe(true);
  });
});

describe('generatePopulation: corruption', () => {
  it('reports exactly the missing values found in the files', () => {
    for (const name of ['hospital', 'registry']) {
      const rows = readRecords(join(dir, `${name}.csv`));
      const c = report.datasets[name]!.counts;
      const empty = (col: string) => rows.filter((r) => r[col] === '').length;
      expect(empty('nhs_number')).toBe(c.nhsMissing);
      expect(empty('date_of_birth')).toBe(c.dobMissing);
      expect(empty('sex')).toBe(c.sexMissing);
      expect(empty('postcode')).toBe(c.postcodeMissing);
      expect(empty('address_line')).toBe(c.addressMissing);
      expect(empty('given_name')).toBe(c.givenMissing);
      expect(empty('family_name')).toBe(c.familyMissing);
      const d = report.datasets[name]!;
      expect(d.records).toBe(rows.length);
      expect(Object.values(d.recordsByCorruptionCount).reduce((a, b) => a + b)).toBe(rows.length);
      const untouched = d.recordsByCorruptionCount['0'] / rows.length;
      expect(untouched).toBeGreaterThan(0.55);
      expect(untouched).toBeLessThan(0.8);
    }
    expect(report.datasets.hospital!.counts.nhsMissing / report.datasets.hospital!.records).toBeGreaterThan(
      0.15,
    );
  });

  it('mistypes NHS numbers as reported, and most mistypes fail the check digit', () => {
    const rows = readRecords(join(dir, 'hospital.csv'));
    const refs = truth.byDataset.get('hospital')!;
    const spineNhs = new Map<string, string>();
    const spineRefs = truth.byDataset.get('spine')!;
    for (const p of spine) spineNhs.set(spineRefs.get(p.spine_ref!)!, p.nhs_number!);
    let wrong = 0;
    let linked = 0;
    let invalid = 0;
    for (const r of rows) {
      const nhs = r.nhs_number!.replace(/ /g, '');
      expect(r.nhs_number).toMatch(/^(\d{3} \d{3} \d{4})?$/);
      if (nhs !== '' && !isValidNhsNumber(nhs)) invalid++;
      const truthNhs = spineNhs.get(refs.get(r.hospital_ref!)!);
      if (truthNhs === undefined || nhs === '') continue;
      linked++;
      if (nhs !== truthNhs) wrong++;
    }
    const c = report.datasets.hospital!;
    // mistypes hit in-spine and out-of-spine records alike
    expect(wrong).toBeLessThanOrEqual(c.counts.nhsTypo);
    expect(wrong).toBeGreaterThan(c.counts.nhsTypo * (c.inSpineRecords / c.records) * 0.7);
    expect(invalid).toBeLessThanOrEqual(c.counts.nhsTypo);
    expect(linked).toBeGreaterThan(0);
  });

  it('uses each dataset format', () => {
    const h = readRecords(join(dir, 'hospital.csv'));
    const g = readRecords(join(dir, 'registry.csv'));
    for (const r of h) {
      expect(r.date_of_birth).toMatch(/^(\d{2}\/\d{2}\/\d{4})?$/);
      expect(['Male', 'Female', 'Indeterminate', '']).toContain(r.sex);
    }
    expect(h.filter((r) => /^[a-z0-9]+$/.test(r.postcode!)).length / h.length).toBeGreaterThan(0.95);
    for (const r of g) {
      expect(r.date_of_birth).toMatch(/^(\d{8})?$/);
      expect(['1', '2', '9', '']).toContain(r.sex);
      expect(r.family_name).toBe(r.family_name!.toUpperCase());
    }
  });
});

describe('generatePopulation: determinism', () => {
  const files = ['spine.csv', 'hospital.csv', 'registry.csv', 'truth.csv', 'corruption.json'];
  const read = (d: string) => files.map((f) => readFileSync(join(d, f), 'utf8'));

  it('gives byte-identical files for the same seed and different files for another', async () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    await generatePopulation({ people: 3000, seed: 9, outDir: a });
    await generatePopulation({ people: 3000, seed: 9, outDir: b });
    await generatePopulation({ people: 3000, seed: 10, outDir: c });
    const [fa, fb, fc] = [read(a), read(b), read(c)];
    expect(fa).toEqual(fb);
    for (let i = 0; i < 4; i++) expect(fa[i]).not.toEqual(fc[i]);
  });

  it('keeps the population fixed when only corruption settings change', async () => {
    const [a, b] = [tempDir(), tempDir()];
    await generatePopulation({ people: 2000, seed: 9, outDir: a });
    await generatePopulation({ people: 2000, seed: 9, outDir: b, corruption: 'heavy' });
    expect(readFileSync(join(a, 'spine.csv'), 'utf8')).toBe(readFileSync(join(b, 'spine.csv'), 'utf8'));
    expect(readFileSync(join(a, 'hospital.csv'), 'utf8')).not.toBe(
      readFileSync(join(b, 'hospital.csv'), 'utf8'),
    );
  });
});

describe('generatePopulation: --heavy-region', () => {
  it('corrupts records of people in that region markedly more', async () => {
    const d = tempDir();
    await generatePopulation({ people: PEOPLE, seed: 42, outDir: d, heavyRegion: 'Y56' });
    const t = readTruth(join(d, 'truth.csv'));
    const people = new Map<string, Record<string, string>>();
    const spineRefs = t.byDataset.get('spine')!;
    for (const p of readRecords(join(d, 'spine.csv'))) people.set(spineRefs.get(p.spine_ref!)!, p);
    const hospitalRefs = t.byDataset.get('hospital')!;
    const tallies = { in: [0, 0], out: [0, 0] };
    for (const r of readRecords(join(d, 'hospital.csv'))) {
      const p = people.get(hospitalRefs.get(r.hospital_ref!)!);
      if (p === undefined) continue;
      const mismatch =
        r.nhs_number!.replace(/ /g, '') !== p.nhs_number ||
        hospitalDateToIso(r.date_of_birth!) !== p.date_of_birth ||
        r.family_name!.toLowerCase() !== p.family_name!.toLowerCase();
      const bucket = p.region === 'Y56' ? tallies.in : tallies.out;
      bucket[0]++;
      if (mismatch) bucket[1]++;
    }
    const rateIn = tallies.in[1]! / tallies.in[0]!;
    const rateOut = tallies.out[1]! / tallies.out[0]!;
    expect(tallies.in[0]).toBeGreaterThan(1000);
    expect(rateIn / rateOut).toBeGreaterThan(1.8);
    const r = JSON.parse(readFileSync(join(d, 'corruption.json'), 'utf8'));
    expect(r.options.heavyRegion).toBe('Y56');
    expect(r.datasets.hospital.heavyRegionRecords).toBeGreaterThan(1000);
    expect(r.datasets.hospital.heavyRegionRates.nhsMissing).toBeCloseTo(0.5);
  });
});

describe('generatePopulation: output failures', () => {
  it('rejects with CL_OUTPUT_UNWRITABLE when the directory cannot be made', async () => {
    const d = tempDir();
    writeFileSync(join(d, 'file'), '');
    await expect(
      generatePopulation({ people: 10, seed: 1, outDir: join(d, 'file', 'sub') }),
    ).rejects.toMatchObject({
      code: 'CL_OUTPUT_UNWRITABLE',
    });
  });

  it('leaves no partial or half-written files when a write fails', async () => {
    const d = tempDir();
    mkdirSync(join(d, 'registry.csv.partial')); // opening it for writing fails (EISDIR)
    const err = await generatePopulation({ people: 5000, seed: 1, outDir: d }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CohortlinkError);
    expect((err as CohortlinkError).code).toBe('CL_OUTPUT_UNWRITABLE');
    expect(readdirSync(d).sort()).toEqual(['registry.csv.partial']);
  });
});
