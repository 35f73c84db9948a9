/**
 * `cohortlink link --repeats` end to end on generated data where a fifth of derived records have
 * a second, independently corrupted record of the same person: with the hospital marked, a
 * person's hospital records share the person's linkage key; without, they never can.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../datasets/helpers.js';
import { encodeUk, runCli, tempDir } from '../helpers/cli.js';

const PEOPLE = 3000;
const SEED = 11;
const DUPLICATE_RATE = 0.2;
const DATASETS = ['spine', 'hospital', 'registry'] as const;

let dir: string;
/** person_id of each `dataset:ref`, from the generator's truth.csv. */
let personOf: Map<string, string>;

beforeAll(() => {
  dir = tempDir('cohortlink-repeats-');
  const secretFile = join(dir, 'secret.txt');
  writeFileSync(secretFile, 'repeats test secret\n');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ duplicateRate: DUPLICATE_RATE }));
  const gen = runCli([
    'generate',
    '--people',
    String(PEOPLE),
    '--seed',
    String(SEED),
    '--out',
    dir,
    '--config',
    join(dir, 'config.json'),
  ]);
  expect(gen.status, gen.stderr).toBe(0);
  for (const name of DATASETS) encodeUk(join(dir, `${name}.csv`), join(dir, `${name}.ndjson`), secretFile);
  personOf = new Map(
    readCsv(join(dir, 'truth.csv')).rows.map(([person, dataset, ref]) => [`${dataset}:${ref}`, person!]),
  );
}, 120_000);

function linkMulti(out: string, ...extra: string[]) {
  return runCli([
    'link',
    '--mode',
    'multi',
    ...DATASETS.flatMap((n) => ['--input', join(dir, `${n}.ndjson`)]),
    '--output',
    join(out, 'links.csv'),
    '--workers',
    '0',
    ...extra,
  ]);
}

interface Measured {
  /** Pairs of hospital records of one person (truth), and how many of them share a key. */
  duplicatePairs: number;
  sharingKey: number;
  /** Pairs of records under one key, and how many of them are of different people. */
  keyPairs: number;
  wrongKeyPairs: number;
  /** Keys holding two records of each dataset. */
  keysWithTwo: Record<string, number>;
  /** Registry records of spine people that share their spine record's key. */
  registryToSpine: number;
}

function measure(out: string): Measured {
  const keyOf = new Map<string, string>();
  const byKey = new Map<string, string[]>();
  const keysWithTwo: Record<string, number> = {};
  for (const d of DATASETS) {
    const held = new Map<string, number>();
    for (const [ref, key] of readCsv(join(out, `${d}.keys.csv`)).rows) {
      keyOf.set(`${d}:${ref}`, key!);
      byKey.set(key!, [...(byKey.get(key!) ?? []), `${d}:${ref}`]);
      held.set(key!, (held.get(key!) ?? 0) + 1);
    }
    keysWithTwo[d] = [...held.values()].filter((n) => n > 1).length;
  }
  const hospitalOf = new Map<string, string[]>();
  for (const [record, person] of personOf)
    if (record.startsWith('hospital:')) hospitalOf.set(person, [...(hospitalOf.get(person) ?? []), record]);
  let duplicatePairs = 0;
  let sharingKey = 0;
  for (const records of hospitalOf.values())
    for (let i = 0; i < records.length; i++)
      for (let j = i + 1; j < records.length; j++) {
        duplicatePairs++;
        if (keyOf.get(records[i]!) === keyOf.get(records[j]!)) sharingKey++;
      }
  let keyPairs = 0;
  let wrongKeyPairs = 0;
  for (const records of byKey.values())
    for (let i = 0; i < records.length; i++)
      for (let j = i + 1; j < records.length; j++) {
        keyPairs++;
        if (personOf.get(records[i]!) !== personOf.get(records[j]!)) wrongKeyPairs++;
      }
  const spineKey = new Map<string, string>();
  for (const [record, person] of personOf)
    if (record.startsWith('spine:')) spineKey.set(person, keyOf.get(record)!);
  let inSpine = 0;
  let registryToSpine = 0;
  for (const [record, person] of personOf) {
    if (!record.startsWith('registry:') || !spineKey.has(person)) continue;
    inSpine++;
    if (spineKey.get(person) === keyOf.get(record)) registryToSpine++;
  }
  return {
    duplicatePairs,
    sharingKey,
    keyPairs,
    wrongKeyPairs,
    keysWithTwo,
    registryToSpine: registryToSpine / inSpine,
  };
}

describe('cohortlink link --repeats (CLI)', () => {
  it('gives duplicate hospital records of one person the same key with --repeats hospital', () => {
    const offDir = tempDir('cohortlink-repeats-off-');
    const onDir = tempDir('cohortlink-repeats-on-');
    const off = linkMulti(offDir);
    expect(off.status, off.stderr).toBe(0);
    const on = linkMulti(onDir, '--repeats', 'hospital');
    expect(on.status, on.stderr).toBe(0);
    const without = measure(offDir);
    const withRepeats = measure(onDir);
    const share = (m: Measured) => m.sharingKey / m.duplicatePairs;
    const wrong = (m: Measured) => m.wrongKeyPairs / m.keyPairs;
    console.log(
      `repeats: ${PEOPLE} people, seed ${SEED}, duplicateRate ${DUPLICATE_RATE}: ` +
        `${without.duplicatePairs} duplicate hospital pairs; sharing a key without --repeats ` +
        `${without.sharingKey} (${share(without).toFixed(4)}), with --repeats hospital ` +
        `${withRepeats.sharingKey} (${share(withRepeats).toFixed(4)}); key pairs of different people ` +
        `${without.wrongKeyPairs}/${without.keyPairs} without, ${withRepeats.wrongKeyPairs}/${withRepeats.keyPairs} with`,
    );

    // The generator made duplicates (about DUPLICATE_RATE of ~0.8 × PEOPLE hospital records).
    expect(without.duplicatePairs).toBeGreaterThan(0.1 * PEOPLE);
    expect(withRepeats.duplicatePairs).toBe(without.duplicatePairs);
    // Without repeats two hospital records never share a person; with them nearly all do.
    expect(without.sharingKey).toBe(0);
    expect(without.keysWithTwo.hospital).toBe(0);
    expect(share(withRepeats)).toBeGreaterThan(0.85);
    expect(share(withRepeats) - share(without)).toBeGreaterThan(0.8);
    // The spine and the registry (no repeats) still hold at most one record of a person.
    expect(withRepeats.keysWithTwo.spine).toBe(0);
    expect(withRepeats.keysWithTwo.registry).toBe(0);
    expect(withRepeats.keysWithTwo.hospital).toBeGreaterThan(0.8 * withRepeats.duplicatePairs);
    // Gathering the repeats costs next to no precision, and registry records (whose duplicates,
    // not marked, stay people of their own) find the spine as well as before.
    expect(wrong(withRepeats)).toBeLessThan(0.01);
    expect(withRepeats.registryToSpine).toBeGreaterThanOrEqual(without.registryToSpine - 0.005);

    // The summary's cluster statistics count the merges the repeats allowed.
    const stats = (d: string) => JSON.parse(readFileSync(join(d, 'links.summary.json'), 'utf8')).clusters;
    expect(stats(onDir).refusedBySameDataset).toBeLessThan(stats(offDir).refusedBySameDataset);
    expect(stats(onDir).clusters).toBeLessThan(stats(offDir).clusters);
  });

  it('changes nothing in many-to-one for the left dataset, and refuses repeats it cannot honour', () => {
    const toSpine = (out: string, ...extra: string[]) =>
      runCli([
        'link',
        '--mode',
        'many-to-one',
        '--left',
        join(dir, 'hospital.ndjson'),
        '--right',
        join(dir, 'spine.ndjson'),
        '--output',
        join(out, 'links.csv'),
        '--workers',
        '0',
        ...extra,
      ]);
    const a = tempDir('cohortlink-repeats-m2o-');
    const b = tempDir('cohortlink-repeats-m2o-');
    expect(toSpine(a).status).toBe(0);
    const left = toSpine(b, '--repeats', 'hospital');
    expect(left.status, left.stderr).toBe(0);
    expect(readFileSync(join(b, 'links.csv'), 'utf8')).toBe(readFileSync(join(a, 'links.csv'), 'utf8'));

    const spine = toSpine(tempDir('cohortlink-repeats-m2o-'), '--repeats', 'spine');
    expect(spine.status).toBe(2);
    expect(spine.stderr).toMatch(/one record per person in the spine/);

    const oneToOne = runCli([
      'link',
      '--left',
      join(dir, 'hospital.ndjson'),
      '--right',
      join(dir, 'spine.ndjson'),
      '--output',
      join(tempDir('cohortlink-repeats-121-'), 'links.csv'),
      '--repeats',
      'hospital',
    ]);
    expect(oneToOne.status).toBe(2);
    expect(oneToOne.stderr).toMatch(/one-to-one linkage assumes one record per person on each side/);

    const unknown = linkMulti(tempDir('cohortlink-repeats-bad-'), '--repeats', 'hospital,gp');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(
      /--repeats names 'gp', not among the datasets \(spine, hospital, registry\)/,
    );
  });
});
