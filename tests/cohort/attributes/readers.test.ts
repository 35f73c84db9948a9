import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { joinThroughKeys, readAttributes, readEvents } from '../../../src/cohort/attributes/index.js';
import { CohortlinkError } from '../../../src/errors.js';

const TODAY = Date.UTC(2025, 0, 1) / 86_400_000;
const opts = { dataset: 'hes', knownRefs: new Set(['A', 'B', 'C']), today: TODAY };
const src = (text: string) => Readable.from([text]);

async function failure(p: Promise<unknown>): Promise<CohortlinkError> {
  const e = await p.catch((x: unknown) => x);
  expect(e).toBeInstanceOf(CohortlinkError);
  return e as CohortlinkError;
}

describe('readEvents', () => {
  it('normalises codes and dates', async () => {
    const ev = await readEvents(
      src(
        'ref,system,code,date\nA,ICD-10,e11.9,2020-02-29\nB,OPCS-4,W371,2024-12-31\nA,SNOMED-CT,44054006,2019-01-01\n',
      ),
      opts,
    );
    expect(ev.count).toBe(3);
    expect([...ev.code].map((c) => ev.codes[c])).toEqual(['E119', 'W371', '44054006']);
    expect(ev.refs).toEqual(['A', 'B']);
  });

  it('names the line and column of every bad field, and returns nothing', async () => {
    const e = await failure(
      readEvents(
        src(
          'ref,system,code,date\nA,ICD-10,E11,2023-02-30\nB,ICD-9,250,2020-01-01\nC,ICD-10,E1,2020-01-01\nZ,OPCS-4,W37.1,2020-01-01\nA,SNOMED-CT,44054007,2020-01-01\nA,ICD-10,E11,2025-06-01\nA,ICD-10,E11\n',
        ),
        opts,
      ),
    );
    expect(e.code).toBe('CL_CSV_MALFORMED');
    const paths = e.issues.map((i) => `${i.path}: ${i.message}`);
    expect(paths).toEqual([
      expect.stringMatching(/^line 2, column date: .*not a real date/),
      expect.stringMatching(/^line 3, column system: /),
      expect.stringMatching(/^line 4, column code: .*ICD-10/),
      expect.stringMatching(/^line 5, column ref: .*not a record of dataset hes/),
      expect.stringMatching(/^line 6, column code: .*check digit/),
      expect.stringMatching(/^line 7, column date: .*future/),
      expect.stringMatching(/^line 8: .*4 unquoted fields/),
    ]);
    expect(e.message).toContain('7 of 8 lines rejected');
  });

  it('rejects a wrong header', async () => {
    expect((await failure(readEvents(src('ref,code,system,date\n'), opts))).code).toBe('CL_CSV_HEADER');
  });
});

describe('readAttributes', () => {
  it('reads columns', async () => {
    const a = await readAttributes(
      src(
        '{"ref":"A","birthYear":1950,"birthMonth":3,"sex":"F","region":"Y56","deceased":true,"deathDate":"2020-05-01"}\n{"ref":"B","sex":"M","deceased":false}\n',
      ),
      opts,
    );
    expect(a.count).toBe(2);
    expect([...a.sex]).toEqual([1, 2]);
    expect([...a.deathDay]).toEqual([Date.UTC(2020, 4, 1) / 86_400_000, -1]);
    expect(a.regions).toEqual(['Y56']);
  });

  it('names the line and field, for unknown and repeated refs and impossible dates', async () => {
    const e = await failure(
      readAttributes(
        src(
          '{"ref":"A","deceased":false}\nnot json\n{"ref":"Q","deceased":false}\n{"ref":"A","deceased":false}\n{"ref":"B","deceased":true,"deathDate":"2021-13-01"}\n{"ref":"C","sex":"X","deceased":false}\n',
        ),
        opts,
      ),
    );
    expect(e.code).toBe('CL_NDJSON_MALFORMED');
    expect(e.issues.map((i) => i.path)).toEqual([
      'line 2',
      'line 3, column ref',
      'line 4, column ref',
      'line 5, column deathDate',
      'line 6, column sex',
    ]);
    expect(e.issues[2]!.message).toContain('line 1');
  });
});

describe('joinThroughKeys', () => {
  it('gives one person per key, the spine winning conflicts, else the most common value, and all events', async () => {
    const spine = await readAttributes(
      src('{"ref":"S1","birthYear":1960,"sex":"F","region":"Y56","deceased":false}\n'),
      {
        ...opts,
        knownRefs: new Set(['S1']),
      },
    );
    const hes = await readAttributes(
      src(
        '{"ref":"H1","birthYear":1961,"sex":"M","region":"Y58","deceased":true,"deathDate":"2022-01-01"}\n{"ref":"H2","birthYear":1970,"region":"Y58","deceased":false}\n{"ref":"H3","birthYear":1971,"region":"Y59","deceased":false}\n{"ref":"H4","birthYear":1971,"region":"Y60","deceased":false}\n',
      ),
      { ...opts, knownRefs: new Set(['H1', 'H2', 'H3', 'H4']) },
    );
    const ev = await readEvents(
      src(
        'ref,system,code,date\nH1,ICD-10,E11,2021-01-01\nH2,ICD-10,I10,2020-01-01\nH1,ICD-10,I10,2019-01-01\n',
      ),
      {
        ...opts,
        knownRefs: new Set(['H1', 'H2', 'H3', 'H4']),
      },
    );
    const keys = new Map([
      ['spine', new Map([['S1', 'k1']])],
      [
        'hes',
        new Map([
          ['H1', 'k1'],
          ['H2', 'k2'],
          ['H3', 'k2'],
          ['H4', 'k2'],
        ]),
      ],
      ['optout', new Map([['O1', 'k3']])],
    ]);
    const j = joinThroughKeys(keys, [
      { dataset: 'spine', role: 'spine', attributes: spine },
      { dataset: 'hes', role: 'records', attributes: hes, events: ev },
      { dataset: 'optout', role: 'optout' },
    ]);
    expect(j.keys).toEqual(['k1', 'k2', 'k3']);
    expect([...j.people.birthYear]).toEqual([1960, 1971, 0]); // spine wins; else most common (1971 twice)
    expect([...j.people.sex]).toEqual([1, 0, 0]);
    expect([...j.people.region].map((r) => j.people.regions[r] ?? null)).toEqual(['Y56', 'Y58', null]); // tie → first record
    expect([...j.people.deceased]).toEqual([1, 0, 0]); // any dataset
    expect([...j.people.optedOut]).toEqual([0, 0, 1]);
    expect([...j.events.personOffsets]).toEqual([0, 2, 3, 3]);
    expect([...j.events.code].map((c) => j.events.codes[c])).toEqual(['I10', 'E11', 'I10']); // by day within person
  });

  it('refuses records without a linkage key', async () => {
    const hes = await readAttributes(src('{"ref":"A","deceased":false}\n'), opts);
    const e = (() => {
      try {
        joinThroughKeys(new Map([['hes', new Map()]]), [
          { dataset: 'hes', role: 'records', attributes: hes },
        ]);
      } catch (x) {
        return x as CohortlinkError;
      }
    })();
    expect(e?.code).toBe('CL_CONFLICT');
  });
});
