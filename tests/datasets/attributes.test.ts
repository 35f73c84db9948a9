import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SNOMED } from '../../datasets/attributesCodes.js';
import { generatePopulation } from '../../datasets/generate.js';
import {
  joinThroughKeys,
  readAttributes,
  readEvents,
  verhoeffValid,
} from '../../src/cohort/attributes/index.js';
import { readCsv, readRecords, readTruth, removeTempDirs, type Truth, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const PEOPLE = 20_000;
let dir: string;
let truth: Truth;
let people: Record<string, string>[];
const TODAY = Date.UTC(2025, 0, 1) / 86_400_000;

beforeAll(async () => {
  dir = tempDir();
  await generatePopulation({
    people: PEOPLE,
    seed: 42,
    outDir: dir,
    datasets: [{ name: 'hospital' }, { name: 'registry' }, { name: 'gp' }],
  });
  truth = readTruth(join(dir, 'truth.csv'));
  people = readRecords(join(dir, 'truth.people.csv'));
});

const ndjson = (name: string): Record<string, unknown>[] =>
  readFileSync(join(dir, `${name}.attributes.ndjson`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('generated attributes', () => {
  it('writes one attribute line per record, in the dataset CSV row order', () => {
    for (const name of ['spine', 'hospital', 'registry', 'gp']) {
      const rows = readCsv(join(dir, `${name}.csv`)).rows;
      expect(ndjson(name).map((a) => a.ref)).toEqual(rows.map((r) => r[0]));
    }
  });

  it('agrees with the spine person by person (birth year/month, sex, region)', () => {
    const spineRefs = truth.byDataset.get('spine')!;
    const spine = new Map(readRecords(join(dir, 'spine.csv')).map((r) => [spineRefs.get(r.spine_ref!)!, r]));
    let checked = 0;
    for (const name of ['hospital', 'registry', 'gp']) {
      const refs = truth.byDataset.get(name)!;
      for (const a of ndjson(name)) {
        const s = spine.get(refs.get(a.ref as string)!);
        if (s === undefined) continue; // out-of-spine person
        expect(`${a.birthYear}-${String(a.birthMonth).padStart(2, '0')}`).toBe(s.date_of_birth!.slice(0, 7));
        expect(a.sex).toBe(s.sex);
        expect(a.region).toBe(s.region);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(PEOPLE);
  });

  it('has realistic prevalence, deaths rising with age and ~5% opted out', () => {
    const adults = people.filter((p) => 2024 - Number(p.birth_year) >= 18);
    const share = (rows: typeof people, f: (p: Record<string, string>) => boolean): number =>
      rows.filter(f).length / rows.length;
    const has = (c: string) => (p: Record<string, string>) => p.conditions!.split(';').includes(c);
    expect(share(adults, has('E11'))).toBeGreaterThan(0.055);
    expect(share(adults, has('E11'))).toBeLessThan(0.09);
    expect(share(people, has('I10'))).toBeGreaterThan(0.12);
    expect(share(people, has('I10'))).toBeLessThan(0.19);
    expect(share(people, has('J45'))).toBeGreaterThan(0.065);
    expect(share(people, has('J45'))).toBeLessThan(0.095);
    const c50 = people.filter(has('C50'));
    expect(c50.filter((p) => p.sex === 'F').length / c50.length).toBeGreaterThan(0.97);
    expect(share(people, (p) => p.opted_out === '1')).toBeGreaterThan(0.04);
    expect(share(people, (p) => p.opted_out === '1')).toBeLessThan(0.06);
    const dead = (p: Record<string, string>) => p.deceased === '1';
    expect(share(people, dead)).toBeGreaterThan(0.01);
    expect(share(people, dead)).toBeLessThan(0.06);
    const old = people.filter((p) => 2024 - Number(p.birth_year) >= 75);
    const young = people.filter((p) => 2024 - Number(p.birth_year) < 50);
    expect(share(old, dead)).toBeGreaterThan(5 * share(young, dead));
  });

  it('writes the opt-out register as a dataset with its own truth rows, one per opted-out person', () => {
    const optRows = readCsv(join(dir, 'optout.csv'));
    expect(optRows.header[0]).toBe('optout_ref');
    const optTruth = readTruth(join(dir, 'truth.optout.csv')).byDataset.get('optout')!;
    expect(optTruth.size).toBe(optRows.rows.length);
    const opted = new Set(people.filter((p) => p.opted_out === '1').map((p) => p.person_id));
    expect(new Set(optTruth.values())).toEqual(opted);
  });

  it('uses valid SNOMED ids and splits events by system across datasets', () => {
    for (const ids of Object.values(SNOMED)) for (const id of ids) expect(verhoeffValid(id)).toBe(true);
    const systems = (name: string) => new Set(readCsv(join(dir, `${name}.events.csv`)).rows.map((r) => r[1]));
    expect(systems('hospital')).toEqual(new Set(['ICD-10', 'OPCS-4']));
    expect(systems('gp')).toEqual(new Set(['SNOMED-CT']));
    expect(systems('registry')).toEqual(new Set(['ICD-10']));
    expect(readCsv(join(dir, 'spine.events.csv')).rows).toHaveLength(0);
  });

  it('reads back through the validating readers and joins to one person per key with every event', async () => {
    const inputs = [];
    const keysByDataset = new Map<string, Map<string, string>>();
    let events = 0;
    for (const name of ['spine', 'hospital', 'registry', 'gp', 'optout']) {
      const refs = truth.byDataset.get(name) ?? readTruth(join(dir, 'truth.optout.csv')).byDataset.get(name)!;
      keysByDataset.set(name, refs); // the true person id stands in for a perfect linkage key
      if (name === 'optout') {
        inputs.push({ dataset: name, role: 'optout' as const });
        continue;
      }
      const opts = { dataset: name, knownRefs: new Set(refs.keys()), today: TODAY };
      const attributes = await readAttributes(join(dir, `${name}.attributes.ndjson`), opts);
      const ev = await readEvents(join(dir, `${name}.events.csv`), opts);
      events += ev.count;
      inputs.push({
        dataset: name,
        role: name === 'spine' ? ('spine' as const) : ('records' as const),
        attributes,
        events: ev,
      });
    }
    const joined = joinThroughKeys(keysByDataset, inputs);
    // Out-of-spine people in no dataset have no key; everyone else is exactly one person.
    const seen = new Set([...keysByDataset.values()].flatMap((m) => [...m.values()]));
    expect(joined.people.count).toBe(seen.size);
    expect(seen.size).toBeGreaterThan(PEOPLE);
    expect(joined.events.count).toBe(events);
    const byId = new Map(people.map((p) => [p.person_id!, p]));
    const sexCode = { F: 1, M: 2, I: 3 } as const;
    joined.keys.forEach((k, i) => {
      const p = byId.get(k)!;
      expect(joined.people.birthYear[i]).toBe(Number(p.birth_year));
      expect(joined.people.sex[i]).toBe(sexCode[p.sex as 'F']);
      expect(joined.people.regions[joined.people.region[i]!]).toBe(p.region);
      expect(joined.people.deceased[i]).toBe(Number(p.deceased));
      expect(joined.people.optedOut[i]).toBe(Number(p.opted_out));
    });
  });
});

describe('generated attributes: determinism', () => {
  it('is byte-identical for a seed and leaves the other files unchanged when attributes are off', async () => {
    const [a, b, off] = [tempDir(), tempDir(), tempDir()];
    await generatePopulation({ people: 3000, seed: 9, outDir: a });
    await generatePopulation({ people: 3000, seed: 9, outDir: b });
    await generatePopulation({ people: 3000, seed: 9, outDir: off, attributes: false });
    const read = (d: string, f: string) => readFileSync(join(d, f), 'utf8');
    for (const f of [
      'spine.attributes.ndjson',
      'hospital.events.csv',
      'optout.csv',
      'truth.optout.csv',
      'truth.people.csv',
    ])
      expect(read(a, f)).toBe(read(b, f));
    for (const f of ['spine.csv', 'hospital.csv', 'registry.csv', 'truth.csv', 'corruption.json'])
      expect(read(a, f)).toBe(read(off, f));
  });
});
