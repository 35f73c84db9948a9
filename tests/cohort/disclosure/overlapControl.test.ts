import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsToBytes, bytesToBits, packMask, popcount } from '../../../src/cohort/disclosure/bitset.js';
import { layoutFromPeople } from '../../../src/cohort/disclosure/cellLayout.js';
import type { ControlledFeasibility } from '../../../src/cohort/disclosure/controlledPublish.js';
import { publishPlan } from '../../../src/cohort/disclosure/controlledPublish.js';
import { createDisclosureKey, DEFAULT_POLICY, publishCount } from '../../../src/cohort/disclosure/index.js';
import {
  type AnsweredQuery,
  type AnswerPlan,
  planAnswer,
  type QuerySets,
} from '../../../src/cohort/disclosure/overlapControl.js';
import type { CohortlinkError } from '../../../src/errors.js';
import {
  ageBandIndex,
  BAND_NAMES,
  layoutOf,
  makePeople,
  type People,
  querySets,
  REGION_NAMES,
  rng,
  sample,
} from './people.js';

const key = createDisclosureKey('overlap-control-test-secret-0123456789');

/** One requester's view of a run: answers in order, with their plans (for checking sources). */
class Requester {
  readonly history: AnsweredQuery[] = [];
  readonly asked: { sets: QuerySets; plan: AnswerPlan; feasibility: ControlledFeasibility }[] = [];
  private readonly layout;
  constructor(readonly people: People) {
    this.layout = layoutOf(people);
  }

  ask(sets: QuerySets, range?: { low: number; high: number }): ControlledFeasibility {
    const plan = planAnswer(sets, this.history, this.layout);
    const total = plan.cells[0]!.count;
    const { feasibility, cells } = publishPlan(plan, {
      key,
      history: this.history,
      linkageRange: range ?? { low: total, high: total },
    });
    const id = `q${this.history.length}`;
    this.history.push({
      id,
      indexDate: plan.indexDate,
      eligible: plan.eligible,
      excluded: plan.excluded,
      cells,
    });
    this.asked.push({ sets, plan, feasibility });
    return feasibility;
  }
}

/** Brute force, from the byte masks: who is in the cell at `path`. */
function members(people: People, sets: QuerySets, path: string): Uint8Array {
  const out = new Uint8Array(people.count);
  const [dim, name] = [path.slice(0, path.indexOf('.')), path.slice(path.indexOf('.') + 1)];
  for (let p = 0; p < people.count; p++) {
    const e = sets.eligible[p] === 1;
    let inCell: boolean;
    if (path === 'total') inCell = e;
    else if (dim === 'byRegion') inCell = e && REGION_NAMES[people.region[p]!] === name;
    else if (dim === 'bySex') inCell = e && ['unknown', 'female', 'male', 'other'][people.sex[p]!] === name;
    else if (dim === 'byAgeBand') inCell = e && BAND_NAMES[ageBandIndex(people, p, sets.indexDate)] === name;
    else inCell = sets.matched[p] === 1 && (name === 'deceased' ? people.deceased : people.optedOut)[p] === 1;
    out[p] = inCell ? 1 : 0;
  }
  return out;
}

const delta = (a: Uint8Array, b: Uint8Array) => a.reduce((n, x, i) => n + (x !== b[i] ? 1 : 0), 0);
const count = (a: Uint8Array) => a.reduce((n, x) => n + x, 0);

describe('packed person sets', () => {
  it('pack, count and survive the stored byte form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300, max: 1 }), (mask) => {
        const bits = packMask(mask);
        expect(popcount(bits)).toBe(count(mask));
        expect(bytesToBits(bitsToBytes(bits))).toEqual(bits);
        for (let p = 0; p < mask.length; p++) expect((bits[p >>> 5]! >>> (p & 31)) & 1).toBe(mask[p]);
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});

describe('planAnswer and publishPlan', () => {
  const people = makePeople(160, 5, { exclusions: true });
  const everyone = [...Array(people.count).keys()];

  it('keeps every pair of fresh cells at least 8 people apart, copies only from within 7, and publishes fresh cells by the keyed rule', () => {
    // Each query is an earlier one with a few people added or removed, or a new random set: the
    // small steps an attacker (or a researcher refining criteria) takes.
    const step = fc.record({
      from: fc.nat(),
      add: fc.array(fc.nat({ max: people.count - 1 }), { maxLength: 9 }),
      remove: fc.array(fc.nat({ max: people.count - 1 }), { maxLength: 9 }),
      fresh: fc.boolean(),
      size: fc.integer({ min: 0, max: 120 }),
      seed: fc.nat(),
      date: fc.constantFrom('2025-01-15', '2025-06-01', '2026-03-31'),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        const r = new Requester(people);
        const chosen: Set<number>[] = [];
        for (const s of steps) {
          const set =
            s.fresh || chosen.length === 0
              ? new Set(sample(everyone, s.size, rng(s.seed)))
              : new Set(chosen[s.from % chosen.length]);
          if (!s.fresh) {
            for (const p of s.add) set.add(p);
            for (const p of s.remove) set.delete(p);
          }
          chosen.push(set);
          r.ask(querySets(people, set, s.date));
        }
        const fresh: Uint8Array[] = [];
        r.asked.forEach(({ sets, plan, feasibility }, qi) => {
          for (const c of plan.cells) {
            const m = members(people, sets, c.path);
            expect(c.count).toBe(count(m));
            const shown = r.history[qi]!.cells.find((x) => x.path === c.path)!.shown;
            if (c.copyOf === undefined) {
              expect(shown).toEqual(publishCount(c.count, c.cellId, DEFAULT_POLICY, key));
              for (const f of fresh) expect(delta(f, m)).toBeGreaterThanOrEqual(8);
              fresh.push(m);
            } else {
              const si = c.copyOf.queryId === null ? qi : Number(c.copyOf.queryId.slice(1));
              const src = r.asked[si]!;
              expect(delta(members(people, src.sets, c.copyOf.path), m)).toBeLessThanOrEqual(7);
              expect(shown).toEqual(r.history[si]!.cells.find((x) => x.path === c.copyOf!.path)!.shown);
              expect(r.history[si]!.cells.find((x) => x.path === c.copyOf!.path)!.fresh).toBe(true);
            }
          }
          expect(feasibility.total).toEqual(r.history[qi]!.cells[0]!.shown);
        });
      }),
      { numRuns: 40, seed: 20260101 },
    );
  });

  it('answers a repeated question with the same figures', () => {
    const r = new Requester(people);
    const set = sample(everyone, 90, rng(1));
    const first = r.ask(querySets(people, set, '2025-06-01'), { low: 70, high: 95 });
    r.ask(querySets(people, sample(everyone, 50, rng(2)), '2025-06-01'));
    expect(r.ask(querySets(people, set, '2025-06-01'), { low: 70, high: 95 })).toEqual(first);
  });

  it('lists every category, empty ones as "<8", and shows a cell equal to the total as the total', () => {
    const r = new Requester(people);
    const women = everyone.filter((p) => people.sex[p] === 1).slice(0, 60);
    const f = r.ask(querySets(people, women, '2025-06-01'));
    expect(Object.keys(f.byRegion)).toEqual([...REGION_NAMES].sort());
    expect(Object.keys(f.bySex)).toEqual(['female', 'male', 'other', 'unknown']);
    expect(Object.keys(f.excluded)).toEqual(['deceased', 'optedOut']);
    expect(f.bySex.male).toEqual({ value: null, suppressed: true, display: '<8' });
    // All eligible people are women: one set, one figure (no second draw of the same count).
    expect(f.bySex.female).toEqual(f.total);
    expect(f.suppressedCells).toContain('bySex.male');
    expect(f.note).toContain('shown exactly as that figure was');
  });

  it('re-bands earlier answers at their own index date: moving the date over a few birthdays copies', () => {
    // The same people asked at two dates a month apart: only those with a birthday in between
    // can change band, so each band cell moves by a few people and must not get a fresh draw.
    const set = sample(everyone, 150, rng(3));
    const r = new Requester(people);
    const a = r.ask(querySets(people, set, '2025-06-01'));
    const b = r.ask(querySets(people, set, '2025-07-01'));
    const plan = r.asked[1]!.plan;
    for (const c of plan.cells.filter((x) => x.path.startsWith('byAgeBand.'))) {
      const moved = delta(
        members(people, r.asked[0]!.sets, c.path),
        members(people, r.asked[1]!.sets, c.path),
      );
      expect(moved).toBeLessThanOrEqual(7);
      expect(c.copyOf).toBeDefined();
    }
    expect(b).toEqual(a);
  });

  it('copies the linkage range with a total copied from an earlier total, and collapses it otherwise', () => {
    const r = new Requester(people);
    const set = sample(everyone, 100, rng(4));
    const around = (sets: QuerySets, low: number, high: number) => {
      const n = count(sets.eligible);
      return r.ask(sets, { low: n - low, high: n + high });
    };
    const a = around(querySets(people, set, '2025-06-01'), 30, 30);
    // Three more people: the total is shown as a's, and so is a's range (fresh ends would be new
    // draws of nearly the same count).
    const b = around(querySets(people, [...set, ...sample(everyone, 3, rng(5))], '2025-06-01'), 1, 1);
    expect(r.asked[1]!.plan.cells[0]!.copyOf).toMatchObject({ path: 'total' });
    expect(b.total).toEqual(a.total);
    expect(b.linkageRange).toEqual(a.linkageRange);
    // A total within 7 of a's region cell (but not of a's total) has no range of its own to copy.
    const region0 = set.filter((p) => people.region[p] === 0);
    const c = around(querySets(people, region0, '2025-06-01'), 20, 20);
    expect(r.asked[2]!.plan.cells[0]!.copyOf).toMatchObject({ queryId: 'q0', path: 'byRegion.R0' });
    expect(c.linkageRange).toEqual({ low: c.total, high: c.total });
  });

  it('rejects sets that disagree with the layout or each other', () => {
    const layout = layoutOf(people);
    const bad = (sets: QuerySets) => {
      try {
        planAnswer(sets, [], layout);
        expect.unreachable();
      } catch (e) {
        expect((e as CohortlinkError).code).toBe('CL_INTERNAL');
      }
    };
    bad({ indexDate: '2025-01-01', eligible: new Uint8Array(3), matched: new Uint8Array(3) });
    const e = new Uint8Array(people.count);
    e[0] = 1;
    bad({ indexDate: '2025-01-01', eligible: e, matched: new Uint8Array(people.count) });
    bad({ indexDate: '1 Jan', eligible: e, matched: e });
  });

  it('builds a layout from the people columns with every region and sex listed', () => {
    const layout = layoutFromPeople(
      {
        count: 3,
        birthYear: new Int16Array([1960, 0, 1990]),
        birthMonth: new Uint8Array([1, 0, 12]),
        sex: new Uint8Array([1, 0, 2]),
        region: new Uint16Array([0, 0xffff, 1]),
        regions: ['E1', 'E2'],
        deceased: new Uint8Array(3),
        deathDay: new Int32Array(3),
        optedOut: new Uint8Array(3),
      },
      {
        ageBands: ['18-64', '65+', 'unknown'],
        ageBandOf: (p) => ['65+', 'unknown', '18-64'][p]!,
        exclusions: {},
      },
    );
    expect(layout.byRegion.names).toEqual(['E1', 'E2', 'unknown']);
    expect([...(layout.byRegion.codes as Uint16Array)]).toEqual([0, 2, 1]);
    expect([...(layout.byAgeBandAt('2025-01-01').codes as Uint8Array)]).toEqual([1, 2, 0]);
    const plan = planAnswer(
      { indexDate: '2025-01-01', eligible: new Uint8Array([1, 1, 1]), matched: new Uint8Array([1, 1, 1]) },
      [],
      layout,
    );
    expect(plan.cells.map((c) => c.path)).toEqual([
      'total',
      'byRegion.E1',
      'byRegion.E2',
      'byRegion.unknown',
      'byAgeBand.18-64',
      'byAgeBand.65+',
      'byAgeBand.unknown',
      'bySex.female',
      'bySex.male',
      'bySex.other',
      'bySex.unknown',
    ]);
  });
});

describe('speed', () => {
  it('plans over a million people against 100 earlier answers of similar size quickly', () => {
    const n = 1_000_000;
    const people = makePeople(n, 9, { exclusions: true });
    const layout = layoutOf(people);
    const r = rng(10);
    // A researcher refining one cohort: every earlier answer ~100k people, sizes within a few of
    // each other, so the count filter lets many pairs through and only exact comparison decides.
    const base = new Uint8Array(n);
    for (let p = 0; p < n; p++) base[p] = r() < 0.1 ? 1 : 0;
    const history: AnsweredQuery[] = [];
    const dates = ['2025-01-01', '2025-02-01', '2025-03-01', '2025-04-01'];
    for (let i = 0; i < 100; i++) {
      const m = base.slice();
      for (let k = 0; k < 40; k++) m[Math.floor(r() * n)] ^= 1;
      const sets = querySets(people, [], dates[i % 4]!);
      for (let p = 0; p < n; p++) if (m[p] === 1) sets.matched[p] = 1;
      for (let p = 0; p < n; p++)
        sets.eligible[p] = sets.matched[p]! & (people.deceased[p]! | people.optedOut[p]! ? 0 : 1);
      const plan = planAnswer(sets, [], layout);
      const { cells } = publishPlan(plan, {
        key,
        history: [],
        linkageRange: { low: plan.cells[0]!.count, high: plan.cells[0]!.count },
      });
      history.push({
        id: `h${i}`,
        indexDate: plan.indexDate,
        eligible: plan.eligible,
        excluded: plan.excluded,
        cells,
      });
    }
    const sets = querySets(people, [], '2025-05-01');
    for (let p = 0; p < n; p++) {
      sets.matched[p] = base[p]!;
      sets.eligible[p] = base[p]! & (people.deceased[p]! | people.optedOut[p]! ? 0 : 1);
    }
    const t0 = performance.now();
    const plan = planAnswer(sets, history, layout);
    const ms = performance.now() - t0;
    console.log(`planAnswer: 1,000,000 people, 100 earlier answers: ${ms.toFixed(0)} ms`);
    expect(plan.cells.length).toBeGreaterThan(10);
    expect(ms).toBeLessThan(5000);
  });
});
