import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../datasets/helpers.js';
import { runCli, tempDir } from '../helpers/cli.js';

let dir: string;
let secretFile: string;

/** person_id of each (dataset, ref) from the generator's truth.csv. */
let personOf: Map<string, string>;

beforeAll(() => {
  dir = tempDir('cohortlink-link-');
  secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, 'link test secret\n');
  const gen = runCli(['generate', '--people', '3000', '--seed', '11', '--out', dir]);
  expect(gen.status, gen.stderr).toBe(0);
  for (const name of ['spine', 'hospital', 'registry']) {
    const r = runCli([
      'encode',
      '--schema',
      'uk',
      '--secret-file',
      secretFile,
      '--input',
      join(dir, `${name}.csv`),
      '--output',
      join(dir, `${name}.ndjson`),
      '--max-rejects',
      '1000',
      '--workers',
      '0',
    ]);
    expect(r.status, r.stderr).toBe(0);
  }
  personOf = new Map(
    readCsv(join(dir, 'truth.csv')).rows.map(([person, dataset, ref]) => [`${dataset}:${ref}`, person!]),
  );
}, 120_000);

function link(out: string, ...extra: string[]) {
  return runCli([
    'link',
    '--left',
    join(dir, 'hospital.ndjson'),
    '--right',
    join(dir, 'spine.ndjson'),
    '--output',
    join(out, 'links.csv'),
    '--mode',
    'many-to-one',
    '--workers',
    '1',
    ...extra,
  ]);
}

function keysOf(path: string): Map<string, string> {
  return new Map(readCsv(path).rows.map(([ref, key]) => [ref!, key!]));
}

describe('cohortlink link (CLI)', () => {
  it('links hospital records to the spine with high precision and recall, and writes every output', () => {
    const out = tempDir('cohortlink-link-out-');
    const r = link(out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/threshold 0\.\d+ \(/);
    const links = readCsv(join(out, 'links.csv'));
    expect(links.header).toEqual(['left_ref', 'right_ref', 'score']);
    let correct = 0;
    for (const [l, rr, score] of links.rows) {
      expect(Number(score)).toBeGreaterThan(0);
      if (personOf.get(`hospital:${l}`) === personOf.get(`spine:${rr}`)) correct++;
    }
    // Hospital records whose person is in the spine: what recall is measured against.
    const spinePeople = new Set([...personOf].filter(([k]) => k.startsWith('spine:')).map(([, p]) => p));
    const linkable = readCsv(join(dir, 'hospital.csv')).rows.filter(([ref]) =>
      spinePeople.has(personOf.get(`hospital:${ref}`)!),
    ).length;
    expect(correct / links.rows.length).toBeGreaterThan(0.98);
    expect(correct / linkable).toBeGreaterThan(0.95);

    const summary = JSON.parse(readFileSync(join(out, 'links.summary.json'), 'utf8'));
    expect(summary.format).toBe('cohortlink-run-summary/1');
    expect(summary.pairs[0].links).toBe(links.rows.length);
    // The summary names datasets and counts, never a record reference.
    const text = readFileSync(join(out, 'links.summary.json'), 'utf8');
    expect(text).not.toContain(links.rows[0]![0]!);

    const spineKeys = keysOf(join(out, 'spine.keys.csv'));
    const hospitalKeys = keysOf(join(out, 'hospital.keys.csv'));
    expect(spineKeys.size).toBe(3000);
    // A linked hospital record carries its spine record's key.
    for (const [l, rr] of links.rows) expect(hospitalKeys.get(l!)).toBe(spineKeys.get(rr!));
  });

  it('gives the same keys on a re-run, and keeps them when another dataset is linked later', () => {
    const out = tempDir('cohortlink-link-out-');
    expect(link(out).status).toBe(0);
    const first = readFileSync(join(out, 'spine.keys.csv'), 'utf8');
    const firstHospital = readFileSync(join(out, 'hospital.keys.csv'), 'utf8');
    expect(link(out).status).toBe(0);
    expect(readFileSync(join(out, 'spine.keys.csv'), 'utf8')).toBe(first);
    expect(readFileSync(join(out, 'hospital.keys.csv'), 'utf8')).toBe(firstHospital);

    const r = runCli([
      'link',
      '--left',
      join(dir, 'registry.ndjson'),
      '--right',
      join(dir, 'spine.ndjson'),
      '--output',
      join(out, 'registry-links.csv'),
      '--mode',
      'many-to-one',
      '--workers',
      '0',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'spine.keys.csv'), 'utf8')).toBe(first);
    const spineKeys = keysOf(join(out, 'spine.keys.csv'));
    const registryKeys = keysOf(join(out, 'registry.keys.csv'));
    const links = readCsv(join(out, 'registry-links.csv')).rows;
    expect(links.length).toBeGreaterThan(1000);
    for (const [l, rr] of links) expect(registryKeys.get(l!)).toBe(spineKeys.get(rr!));
  });

  it('refuses encodings made with another secret, naming the mismatch, and writes nothing', () => {
    const other = join(dir, 'other-secret.txt');
    writeFileSync(other, 'a different secret\n');
    const enc = runCli([
      'encode',
      '--schema',
      'uk',
      '--secret-file',
      other,
      '--input',
      join(dir, 'registry.csv'),
      '--output',
      join(dir, 'registry-other.ndjson'),
      '--max-rejects',
      '1000',
      '--workers',
      '0',
    ]);
    expect(enc.status, enc.stderr).toBe(0);
    const out = tempDir('cohortlink-link-out-');
    const r = runCli([
      'link',
      '--left',
      join(dir, 'registry-other.ndjson'),
      '--right',
      join(dir, 'spine.ndjson'),
      '--output',
      join(out, 'links.csv'),
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/different secret/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('names the line of a broken encodings file and writes nothing', () => {
    const lines = readFileSync(join(dir, 'registry.ndjson'), 'utf8').split('\n');
    lines[5] = lines[5]!.replace('"clk":"', '"clk":"!!');
    const broken = join(dir, 'broken.ndjson');
    writeFileSync(broken, lines.join('\n'));
    const out = tempDir('cohortlink-link-out-');
    const r = runCli([
      'link',
      '--left',
      broken,
      '--right',
      join(dir, 'spine.ndjson'),
      '--output',
      join(out, 'links.csv'),
    ]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/line 6/);
    expect(existsSync(join(out, 'links.csv'))).toBe(false);
  });

  it('deduplicates a dataset and puts known duplicates together', () => {
    const out = tempDir('cohortlink-link-out-');
    const r = runCli([
      'link',
      '--input',
      join(dir, 'hospital.ndjson'),
      '--mode',
      'dedup',
      '--output',
      join(out, 'dups.csv'),
      '--workers',
      '0',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const keys = readCsv(join(out, 'hospital.keys.csv')).rows;
    const keyPeople = new Map<string, Set<string>>();
    for (const [ref, key] of keys) {
      const s = keyPeople.get(key!) ?? new Set();
      s.add(personOf.get(`hospital:${ref}`)!);
      keyPeople.set(key!, s);
    }
    // Nearly every key covers one person only (no chaining of different people).
    const mixed = [...keyPeople.values()].filter((s) => s.size > 1).length;
    expect(mixed / keyPeople.size).toBeLessThan(0.01);
    expect(keyPeople.size).toBeLessThan(keys.length); // some duplicates were merged
  });
});
