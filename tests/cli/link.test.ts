import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../datasets/helpers.js';
import { encodeUk, runCli, tempDir } from '../helpers/cli.js';

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
  for (const name of ['spine', 'hospital', 'registry']) encode(`${name}.csv`, secretFile, `${name}.ndjson`);
  personOf = new Map(
    readCsv(join(dir, 'truth.csv')).rows.map(([person, dataset, ref]) => [`${dataset}:${ref}`, person!]),
  );
}, 120_000);

/** `cohortlink encode --schema uk` of a generated CSV in the test folder. */
function encode(csv: string, secret: string, output: string): void {
  encodeUk(join(dir, csv), join(dir, output), secret);
}

/** `cohortlink link` of an encodings file in the test folder to the spine, into `out`. */
function linkToSpine(left: string, out: string, ...extra: string[]) {
  return runCli([
    'link',
    '--left',
    left.includes('/') ? left : join(dir, left),
    '--right',
    join(dir, 'spine.ndjson'),
    '--output',
    join(out, 'links.csv'),
    ...extra,
  ]);
}

function link(out: string) {
  return linkToSpine('hospital.ndjson', out, '--mode', 'many-to-one', '--workers', '1');
}

const round4 = (x: number): number => +x.toFixed(4);

/** The threshold line of `cohortlink link`'s stderr, its numbers parsed. */
function estimatesLine(stderr: string) {
  const m =
    /^threshold (\d\.\d{3}) \(([a-z-]+)\); estimated precision (\d\.\d{4}) \(95 % interval (\d\.\d{4})–(\d\.\d{4})\), recall (\d\.\d{4}) \((\d\.\d{4})–(\d\.\d{4})\) of the matches blocking and the floor let through$/m.exec(
      stderr,
    );
  expect(m, stderr).not.toBeNull();
  const x = m!.slice(1).map(Number);
  return { threshold: x[0]!, method: m![2]!, precision: x.slice(2, 5), recall: x.slice(5, 8) };
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
    const printed = estimatesLine(r.stderr);
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
    // The printed estimates and their 95 % intervals are the summary's, each interval holding its estimate.
    const t = summary.threshold;
    expect(printed).toEqual({
      threshold: +t.threshold.toFixed(3),
      method: t.method,
      precision: [t.estimatedPrecision, t.precisionInterval.low, t.precisionInterval.high].map(round4),
      recall: [t.estimatedRecall, t.recallInterval.low, t.recallInterval.high].map(round4),
    });
    for (const [x, low, high] of [printed.precision, printed.recall]) {
      expect(low).toBeLessThanOrEqual(x!);
      expect(x).toBeLessThanOrEqual(high!);
    }
    expect(r.stderr.includes('the estimates rest on few links')).toBe(t.basis === 'all-links');
    // Many-to-one re-queries nothing.
    expect(summary.pairs[0].requery).toBeNull();
    expect(r.stderr).not.toContain('re-queried');
    // The summary names datasets and counts, never a record reference.
    const text = readFileSync(join(out, 'links.summary.json'), 'utf8');
    expect(text).not.toContain(links.rows[0]![0]!);

    const spineKeys = keysOf(join(out, 'spine.keys.csv'));
    const hospitalKeys = keysOf(join(out, 'hospital.keys.csv'));
    expect(spineKeys.size).toBe(3000);
    // A linked hospital record carries its spine record's key.
    for (const [l, rr] of links.rows) expect(hospitalKeys.get(l!)).toBe(spineKeys.get(rr!));
  });

  it('one-to-one re-queries records whose top-k list was cut, and says how many', () => {
    const out = tempDir('cohortlink-link-out-');
    // k = 1 cuts almost every list: each record holding its one best candidate must be re-queried.
    const r = linkToSpine('hospital.ndjson', out, '--top-k', '1', '--workers', '1');
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'links.summary.json'), 'utf8'));
    const q = summary.pairs[0].requery;
    expect(q.rows).toBeGreaterThan(summary.pairs[0].links / 2);
    expect(q.rounds).toBeGreaterThanOrEqual(1);
    expect(q.pairsAdded).toBeGreaterThan(0);
    const n = (x: number) => x.toLocaleString('en-GB');
    expect(r.stderr).toContain(
      `  re-queried ${n(q.rows)} record(s) whose best candidate was taken or whose link sat at the cut (${n(q.rounds)} round${q.rounds === 1 ? '' : 's'}, ${n(q.pairsAdded)} pairs added)\n`,
    );
    const printed = estimatesLine(r.stderr);
    expect(printed.precision[1]).toBeLessThanOrEqual(printed.precision[0]!);
    expect(printed.recall[0]).toBeLessThanOrEqual(printed.recall[2]!);
  });

  it('gives the same keys on a re-run, and keeps them when another dataset is linked later', () => {
    const out = tempDir('cohortlink-link-out-');
    expect(link(out).status).toBe(0);
    const first = readFileSync(join(out, 'spine.keys.csv'), 'utf8');
    const firstHospital = readFileSync(join(out, 'hospital.keys.csv'), 'utf8');
    expect(link(out).status).toBe(0);
    expect(readFileSync(join(out, 'spine.keys.csv'), 'utf8')).toBe(first);
    expect(readFileSync(join(out, 'hospital.keys.csv'), 'utf8')).toBe(firstHospital);

    const regOut = join(out, 'registry');
    const r = linkToSpine(
      'registry.ndjson',
      regOut,
      '--mode',
      'many-to-one',
      '--workers',
      '0',
      '--keys-dir',
      out,
    );
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'spine.keys.csv'), 'utf8')).toBe(first);
    const spineKeys = keysOf(join(out, 'spine.keys.csv'));
    const registryKeys = keysOf(join(out, 'registry.keys.csv'));
    const links = readCsv(join(regOut, 'links.csv')).rows;
    expect(links.length).toBeGreaterThan(1000);
    for (const [l, rr] of links) expect(registryKeys.get(l!)).toBe(spineKeys.get(rr!));
  });

  it('refuses encodings made with another secret, naming the mismatch, and writes nothing', () => {
    const other = join(dir, 'other-secret.txt');
    writeFileSync(other, 'a different secret\n');
    encode('registry.csv', other, 'registry-other.ndjson');
    const out = tempDir('cohortlink-link-out-');
    const r = linkToSpine('registry-other.ndjson', out);
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
    const r = linkToSpine(broken, out);
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

  it('evaluate reports the same precision and recall as the run, and sweeps the threshold from --scores', () => {
    const out = tempDir('cohortlink-link-out-');
    const truth = join(dir, 'truth.csv');
    const r = linkToSpine(
      'hospital.ndjson',
      out,
      '--mode',
      'many-to-one',
      '--scores',
      join(out, 'floor.csv'),
      '--truth',
      truth,
    );
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'links.summary.json'), 'utf8'));
    expect(run.evaluation[0].pairCompleteness).toBeGreaterThan(0.99);
    const e = runCli([
      'evaluate',
      '--links',
      join(out, 'links.csv'),
      '--truth',
      truth,
      '--scores',
      join(out, 'floor.csv'),
      '--json',
    ]);
    expect(e.status, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.links.precision).toBeCloseTo(run.evaluation[0].precision, 10);
    expect(report.links.recall).toBeCloseTo(run.evaluation[0].recall, 10);
    // At the run's own threshold the sweep of the floor links reproduces the links file.
    const at = report.sweep.find((s: { threshold: number }) => s.threshold >= run.threshold.threshold);
    expect(at.links).toBeLessThanOrEqual(report.links.links);
    expect(report.bestThreshold.f1).toBeGreaterThanOrEqual(report.links.f1 - 1e-12);
    const bad = runCli(['evaluate', '--links', truth, '--truth', truth]);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/left_ref,right_ref,score/);
  });

  it('links three datasets at once without putting two records of one dataset in a person', () => {
    const out = tempDir('cohortlink-link-out-');
    const r = runCli([
      'link',
      '--mode',
      'multi',
      ...['spine', 'hospital', 'registry'].flatMap((n) => ['--input', join(dir, `${n}.ndjson`)]),
      '--output',
      join(out, 'links.csv'),
      '--workers',
      '0',
    ]);
    expect(r.status, r.stderr).toBe(0);
    let people = 0;
    let correct = 0;
    const keyDatasets = new Map<string, Set<string>>();
    for (const name of ['spine', 'hospital', 'registry'])
      for (const [, key] of readCsv(join(out, `${name}.keys.csv`)).rows) {
        const seen = keyDatasets.get(key!) ?? new Set();
        expect(seen.has(name)).toBe(false);
        seen.add(name);
        keyDatasets.set(key!, seen);
      }
    // Most hospital and registry records share their spine record's key.
    const spineKey = new Map(
      readCsv(join(out, 'spine.keys.csv')).rows.map(([ref, key]) => [personOf.get(`spine:${ref}`)!, key!]),
    );
    for (const [ref, key] of readCsv(join(out, 'registry.keys.csv')).rows) {
      const person = personOf.get(`registry:${ref}`)!;
      if (!spineKey.has(person)) continue;
      people++;
      if (spineKey.get(person) === key) correct++;
    }
    expect(correct / people).toBeGreaterThan(0.95);
  });
});
