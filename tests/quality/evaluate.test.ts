import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CohortlinkError } from '../../src/errors.js';
import { evaluateLinks, indexTruth, sweep } from '../../src/quality/evaluate.js';
import {
  parseTruthLong,
  parseTruthPairs,
  readTruthLong,
  readTruthPairs,
  truthByKey,
} from '../../src/quality/truth.js';

const LEFT = ['a0', 'a1', 'a2', 'a3'];
const RIGHT = ['b0', 'b1', 'b2', 'b3', 'b4'];
// True pairs: a0-b0, a1-b1, a2-b2 (a3 and b3, b4 have no partner).
const TRUTH = { left: ['a0', 'a1', 'a2'], right: ['b0', 'b1', 'b2'] };
// Links: a0-b0 0.95 (true), a1-b3 0.9 (false), a2-b2 0.7 (true), a3-b4 0.6 (false).
const LINKS = {
  left: Uint32Array.of(0, 1, 2, 3),
  right: Uint32Array.of(0, 3, 2, 4),
  score: Float64Array.of(0.95, 0.9, 0.7, 0.6),
  length: 4,
};

function issues(f: () => unknown): { code: string; paths: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CohortlinkError);
    const err = e as CohortlinkError;
    return {
      code: err.code,
      paths: `${err.message} ${err.issues.map((i) => `${i.path}: ${i.message}`).join(' | ')}`,
    };
  }
  throw new Error('no error raised');
}

describe('evaluateLinks', () => {
  const truth = indexTruth(TRUTH, LEFT, RIGHT);

  it('counts a hand-checked case', () => {
    const all = evaluateLinks(LINKS, truth);
    expect(all).toMatchObject({ links: 4, truePositives: 2, falsePositives: 2, falseNegatives: 1 });
    expect(all.precision).toBe(0.5);
    expect(all.recall).toBeCloseTo(2 / 3, 12);
    expect(all.f1).toBeCloseTo(4 / 7, 12);
    const high = evaluateLinks(LINKS, truth, 0.9);
    expect(high).toMatchObject({ links: 2, truePositives: 1, falsePositives: 1, falseNegatives: 2 });
    // A score equal to the threshold is kept, as the solvers keep it.
    expect(evaluateLinks(LINKS, truth, 0.7).links).toBe(3);
  });

  it('gives precision 1 and recall 0 to an empty link set', () => {
    const none = evaluateLinks({ ...LINKS, length: 0 }, truth);
    expect(none).toMatchObject({ precision: 1, recall: 0, f1: 0 });
  });

  it('ignores truth pairs whose records are not among those linked', () => {
    const t = indexTruth({ left: ['a0', 'zz'], right: ['b0', 'b1'] }, LEFT, RIGHT);
    expect(t.pairs).toBe(1);
  });

  it('sweep agrees with evaluateLinks at every threshold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 }),
            fc.integer({ min: 0, max: 4 }),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          {
            maxLength: 12,
          },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 6 }),
        (rows, thresholds) => {
          const links = {
            left: Uint32Array.from(rows.map((r) => r[0])),
            right: Uint32Array.from(rows.map((r) => r[1])),
            score: Float64Array.from(rows.map((r) => r[2])),
            length: rows.length,
          };
          const swept = sweep(links, truth, thresholds);
          thresholds.forEach((t, i) => {
            expect(swept[i]).toEqual(evaluateLinks(links, truth, t));
          });
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('truth readers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cohortlink-truth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('long format: every pair of one person across the two datasets', () => {
    const text = [
      'person_id,dataset,ref',
      'p1,spine,s1',
      'p1,hospital,h1',
      'p1,hospital,h2',
      'p2,spine,s2',
      'p2,gp,g2',
      'p3,hospital,h3',
      '',
    ].join('\n');
    const t = parseTruthLong(text, 'truth.csv', 'spine', 'hospital');
    expect(t.left.map((l, i) => `${l}-${t.right[i]}`).sort()).toEqual(['s1-h1', 's1-h2']);
    const file = join(dir, 'truth.csv');
    writeFileSync(file, text);
    expect(readTruthLong(file, 'spine', 'hospital').left).toHaveLength(2);
  });

  it('long format within one dataset pairs its duplicates, not a record with itself', () => {
    const text = 'person_id,dataset,ref\np1,d,r1\np1,d,r2\np2,d,r3\n';
    const t = parseTruthLong(text, 'x', 'd', 'd');
    expect(t.left.map((l, i) => `${l}-${t.right[i]}`).sort()).toEqual(['r1-r2', 'r2-r1']);
  });

  it('pair format, with CRLF and spaces around values', () => {
    const text = 'left_ref, right_ref\r\n a1 ,b1\r\na2,b2\r\n';
    const t = parseTruthPairs(text, 'pairs.csv');
    expect(t).toEqual({ left: ['a1', 'a2'], right: ['b1', 'b2'] });
    const file = join(dir, 'pairs.csv');
    writeFileSync(file, text);
    expect(readTruthPairs(file).right).toEqual(['b1', 'b2']);
  });

  it('names the file and row of a bad row', () => {
    const e = issues(() => parseTruthPairs('left_ref,right_ref\na1,b1\na2,\n', 'pairs.csv'));
    expect(e.code).toBe('CL_CSV_MALFORMED');
    expect(e.paths).toContain('pairs.csv row 2 column right_ref');
    const f = issues(() => parseTruthLong('person_id,dataset,ref\np1,d,r1,extra\n', 't.csv', 'd', 'e'));
    expect(f.paths).toContain('t.csv row 1');
  });

  it('names a missing column, a broken CSV and an unreadable file', () => {
    const h = issues(() => parseTruthLong('person,dataset,ref\n', 't.csv', 'a', 'b'));
    expect(h.code).toBe('CL_CSV_HEADER');
    expect(h.paths).toContain('person_id');
    expect(issues(() => parseTruthPairs('left_ref,right_ref\n"a1,b1\n', 'q.csv')).code).toBe(
      'CL_CSV_MALFORMED',
    );
    const u = issues(() => readTruthPairs(join(dir, 'absent.csv')));
    expect(u.code).toBe('CL_FILE_UNREADABLE');
    expect(u.paths).toContain('absent.csv');
  });

  it('truthByKey pairs refs that map to the same person', () => {
    const person = (r: string) => /^rec-(\d+)-/.exec(r)?.[1];
    const t = truthByKey(
      ['rec-1-org', 'rec-2-org', 'x'],
      ['rec-2-dup-0', 'rec-1-dup-0', 'rec-3-dup-0'],
      person,
    );
    expect(t).toEqual({ left: ['rec-1-org', 'rec-2-org'], right: ['rec-1-dup-0', 'rec-2-dup-0'] });
  });
});
