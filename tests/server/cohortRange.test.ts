/**
 * Feasibility's reclustered linkage range (src/server/cohort/linkageRange.ts) on a hand-made
 * run: a link just below the threshold merges an eligible hospital record into a deceased
 * spine person, so the count at t − 0.02 differs from the count at t.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type JoinInput, joinThroughKeys, readAttributes } from '../../src/cohort/attributes/index.js';
import { parseCriteria } from '../../src/cohort/criteria/index.js';
import { selectCohort } from '../../src/cohort/evaluate/index.js';
import {
  alternativeCohorts,
  alternativeTotals,
  parseFloorLinks,
  type RunSide,
  regroupAt,
} from '../../src/server/cohort/linkageRange.js';

const criteria = {
  format: 'cohortlink-criteria/1',
  where: { all: [{ sex: ['female'] }, { age: { min: 40, max: 64, at: '2025-01-01' } }] },
};

const hospital: RunSide = { name: 'hospital', refs: ['h1', 'h2', 'h,3'] };
const spine: RunSide = { name: 'spine', refs: ['s1', 's2', 's3'] };

const attrs = (dataset: string, lines: object[]) =>
  readAttributes(Readable.from([lines.map((l) => JSON.stringify(l)).join('\n')]), {
    dataset,
    knownRefs: new Set(lines.map((l) => (l as { ref: string }).ref)),
  });

async function inputs(): Promise<JoinInput[]> {
  const f = { birthYear: 1970, birthMonth: 3, sex: 'F', region: 'Y56', deceased: false };
  return [
    {
      dataset: 'hospital',
      role: 'records',
      attributes: await attrs('hospital', [
        { ref: 'h1', ...f },
        // Eligible alone; just below the threshold it links to s2, who died.
        { ref: 'h2', ...f },
        // A man; just above the threshold he is s3's record (the spine's sex wins).
        { ref: 'h,3', ...f, sex: 'M' },
      ]),
    },
    {
      dataset: 'spine',
      role: 'spine',
      attributes: await attrs('spine', [
        { ref: 's1', ...f },
        { ref: 's2', ...f, deceased: true },
        { ref: 's3', ...f },
      ]),
    },
  ];
}

// t = 0.8: h1–s1 is firm, h,3–s3 just above, h2–s2 just below; a quoted ref is read back.
const floorCsv = 'left_ref,right_ref,score\nh1,s1,0.95\n"h,3",s3,0.81\nh2,s2,0.79\n';

describe('reclustered linkage range', () => {
  it('regroups the floor links at a threshold as the run would have', () => {
    const floor = parseFloorLinks(floorCsv, hospital, spine);
    expect(floor.length).toBe(3);
    const at = regroupAt(floor, 'one-to-one', 0.8, hospital, spine);
    const h = at.get('hospital')!;
    const s = at.get('spine')!;
    expect(h.get('h1')).toBe(s.get('s1'));
    expect(h.get('h,3')).toBe(s.get('s3'));
    expect(h.get('h2')).not.toBe(s.get('s2'));
    const below = regroupAt(floor, 'one-to-one', 0.78, hospital, spine);
    expect(below.get('hospital')!.get('h2')).toBe(below.get('spine')!.get('s2'));
    expect(() => parseFloorLinks('left_ref,right_ref,score\nh9,s1,0.9\n', hospital, spine)).toThrow(
      /does not match/,
    );
  });

  it('counts the same criteria over the groupings at t − 0.02 and t + 0.02', async () => {
    const ins = await inputs();
    const floor = parseFloorLinks(floorCsv, hospital, spine);
    for (const mode of ['one-to-one', 'many-to-one'] as const) {
      const atT = joinThroughKeys(regroupAt(floor, mode, 0.8, hospital, spine), ins);
      const total = selectCohort(criteria, atT.people, atT.events).eligibleCount;
      // At t: h1+s1, h2 alone (s2 is deceased), h,3+s3 (female by the spine) → 3.
      expect(total).toBe(3);
      const alts = alternativeCohorts(floor, mode, [0.78, 0.82], hospital, spine, ins);
      const [low, high] = alternativeTotals(alts, parseCriteria(criteria));
      // t − 0.02: h2 joins the deceased s2 → 2. t + 0.02: h,3 stands alone as a man, s3 still
      // counts → 3.
      expect(low).toBe(2);
      expect(high).toBe(3);
    }
  });
});
