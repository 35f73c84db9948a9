import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReadOptions, readAttributes } from '../../../src/cohort/attributes/readAttributes.js';
import { RefRows } from '../../../src/cohort/attributes/refRows.js';
import { CohortlinkError } from '../../../src/errors.js';

/**
 * Known refs given as rows (a Map or RefRows) change how repeats are found — a typed array of
 * first lines instead of a map — and add `knownRows`; everything else must be as with a Set:
 * the same columns from a clean file, the same issues, in order, from a bad one.
 */

const TODAY = Date.UTC(2025, 0, 1) / 86_400_000;
const KNOWN = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

const goodLine = fc.record({
  ref: fc.constantFrom(...KNOWN),
  birthYear: fc.option(fc.integer({ min: 1880, max: 2024 })),
  sex: fc.option(fc.constantFrom('M', 'F', 'I', 'U')),
  region: fc.option(fc.constantFrom('Y56', 'Y58', 'QWE')),
  deceased: fc.boolean(),
});
const anyLine = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .tuple(goodLine, fc.option(fc.constantFrom('2020-02-29', '2021-02-29', '2030-01-01'), { freq: 4 }))
      // Birth years up to 2030 and death dates that are impossible or in the future, as well.
      .map(([o, deathDate]) =>
        JSON.stringify({ ...o, deathDate, birthYear: o.birthYear && o.birthYear + 6 }),
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('{"ref":"Q","deceased":false}', '{"ref":"Z","deceased":true}') },
  { weight: 1, arbitrary: fc.constantFrom('', 'not json', '{"ref":"A","sex":"X","deceased":false}', '[]') },
);
/** Files with every problem above (repeats most of all), and files that should read cleanly. */
const file = fc.oneof(
  fc.array(anyLine, { minLength: 1, maxLength: 12 }),
  fc
    .uniqueArray(goodLine, { selector: (o) => o.ref, minLength: 1 })
    .map((ls) => ls.map((o) => JSON.stringify(o))),
);

interface Outcome {
  readonly columns?: Record<string, unknown>;
  readonly error?: { code: string; message: string; issues: unknown };
}

async function outcome(text: string, knownRefs: ReadOptions['knownRefs']): Promise<Outcome> {
  try {
    const a = await readAttributes(Readable.from([text]), { dataset: 'hes', knownRefs, today: TODAY });
    const { knownRows: _rows, ...columns } = a;
    return { columns };
  } catch (e) {
    if (!(e instanceof CohortlinkError)) throw e;
    return { error: { code: e.code, message: e.message, issues: e.issues } };
  }
}

describe('readAttributes with known refs as rows', () => {
  it('reads and rejects as with a set, and gives each line the row of its ref', async () => {
    let clean = 0;
    await fc.assert(
      fc.asyncProperty(
        file,
        fc.oneof(fc.shuffledSubarray(KNOWN, { minLength: 1 }), fc.shuffledSubarray(KNOWN, { minLength: 8 })),
        async (lines, known) => {
          const text = `${lines.join('\n')}\n`;
          const want = await outcome(text, new Set(known));
          const map = new Map(known.map((r, i) => [r, i]));
          const table = new RefRows();
          for (const r of known) table.add(r);
          for (const rows of [map, table]) {
            expect(await outcome(text, rows)).toEqual(want);
            if (want.columns === undefined) continue;
            clean++;
            const a = await readAttributes(Readable.from([text]), {
              dataset: 'hes',
              knownRefs: rows,
              today: TODAY,
            });
            expect([...a.knownRows!]).toEqual(a.refs.map((r) => map.get(r)));
          }
        },
      ),
      { numRuns: 400 },
    );
    expect(clean).toBeGreaterThan(100);
  });

  it('names a repeated ref and its first line, and returns no rows from a set', async () => {
    const rows = new Map([
      ['A', 1],
      ['B', 0],
    ]);
    const text = '{"ref":"B","deceased":false}\n{"ref":"A","deceased":false}\n{"ref":"B","deceased":false}\n';
    const e = await readAttributes(Readable.from([text]), { dataset: 'hes', knownRefs: rows }).catch(
      (x) => x,
    );
    expect(e).toBeInstanceOf(CohortlinkError);
    expect(e.issues).toEqual([{ path: 'line 3, column ref', message: 'repeats the record of line 1' }]);
    const ok = await readAttributes(Readable.from([text.split('\n').slice(0, 2).join('\n')]), {
      dataset: 'hes',
      knownRefs: rows,
    });
    expect([...ok.knownRows!]).toEqual([0, 1]);
    const fromSet = await readAttributes(Readable.from(['{"ref":"A","deceased":false}\n']), {
      dataset: 'hes',
      knownRefs: new Set(['A']),
    });
    expect(fromSet.knownRows).toBeUndefined();
  });
});
