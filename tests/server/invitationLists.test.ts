/**
 * One invitation per person, through one provider (issue 11), as properties over random
 * cohorts: whatever the ties, exclusions, contact priority and cap, no excluded person (nor
 * anyone tied to one) is chosen, no two chosen people are tied, every chosen person holding a
 * contactable record is listed exactly once, by the first dataset in contact order that holds
 * them, under a ref of theirs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CohortSelection } from '../../src/cohort/evaluate/index.js';
import { assignInvitations, choosePeople, contactOrder } from '../../src/server/cohort/invitationLists.js';
import type { PersonTies } from '../../src/server/cohort/runCohort.js';

interface World {
  people: number;
  excluded: Uint8Array;
  eligible: Uint8Array;
  ties: [number, number][];
  /** dataset index → [ref, person] records. */
  records: [string, number][][];
  contactable: boolean[];
  priority: number[];
  cap: number;
}

const world: fc.Arbitrary<World> = fc
  .record({ people: fc.integer({ min: 1, max: 40 }), datasets: fc.integer({ min: 1, max: 4 }) })
  .chain(({ people, datasets }) =>
    fc.record({
      people: fc.constant(people),
      excluded: fc.uint8Array({ min: 0, max: 1, minLength: people, maxLength: people }),
      eligible: fc.uint8Array({ min: 0, max: 1, minLength: people, maxLength: people }),
      ties: fc.array(fc.tuple(fc.nat(people - 1), fc.nat(people - 1)), { maxLength: people }),
      records: fc
        .array(fc.array(fc.nat(people - 1), { maxLength: people * 2 }), {
          minLength: datasets,
          maxLength: datasets,
        })
        .map((ds) => ds.map((persons, d) => persons.map((p, i): [string, number] => [`d${d}r${i}`, p]))),
      contactable: fc.array(fc.boolean(), { minLength: datasets, maxLength: datasets }),
      priority: fc.shuffledSubarray([...Array(datasets).keys()]),
      cap: fc.integer({ min: 1, max: 50 }),
    }),
  );

function tiesOf(w: World): PersonTies {
  const adj: number[][] = Array.from({ length: w.people }, () => []);
  for (const [a, b] of w.ties)
    if (a !== b) {
      adj[a]!.push(b);
      adj[b]!.push(a);
    }
  const offsets = new Uint32Array(w.people + 1);
  adj.forEach((l, p) => {
    offsets[p + 1] = offsets[p]! + l.length;
  });
  return { offsets, partners: Int32Array.from(adj.flat()) };
}

function cohortOf(w: World) {
  const datasets = w.records.map((_, d) => ({
    id: `ds${d}`,
    role: 'records' as const,
    contactable: w.contactable[d]!,
  }));
  // Opt-outs and deaths are the people columns' flags (exclusions already applied).
  const flags = w.excluded.map((x, p) => x & (p % 2));
  const other = w.excluded.map((x, p) => x & ((p + 1) % 2));
  return {
    datasets: datasets as never,
    contactPriority: w.priority.map((d) => `ds${d}`),
    personOfRef: new Map(
      w.records.map((recs, d) => [
        `ds${d}`,
        { refs: recs.map(([ref]) => ref), person: Int32Array.from(recs.map(([, p]) => p)) },
      ]),
    ),
    ties: tiesOf(w),
    joined: { people: { optedOut: flags, deceased: other } } as never,
  };
}

const selectionOf = (w: World): CohortSelection => {
  // Eligible never includes an excluded person (evaluateCohortPlan's rule).
  const eligible = w.eligible.map((e, p) => e & (1 - w.excluded[p]!));
  return {
    eligible,
    eligibleCount: eligible.reduce((a, x) => a + x, 0),
    matched: w.eligible,
    matchedCount: 0,
    excluded: { deceased: 0, optedOut: 0 },
  };
};

describe('invitation lists', () => {
  it('never choose an excluded or tied-to-excluded person, nor two tied people, within the cap', () => {
    fc.assert(
      fc.property(world, (w) => {
        const cohort = cohortOf(w);
        const { chosen, people } = choosePeople(cohort, selectionOf(w), w.cap);
        expect(people).toBe(chosen.reduce((a, x) => a + x, 0));
        expect(people).toBeLessThanOrEqual(w.cap);
        for (let p = 0; p < w.people; p++) {
          if (chosen[p] !== 1) continue;
          expect(w.excluded[p]).toBe(0);
          for (const [a, b] of w.ties) {
            const other = a === p ? b : b === p ? a : -1;
            if (other < 0 || other === p) continue;
            expect(w.excluded[other], `person ${p} is tied to excluded ${other}`).toBe(0);
            expect(chosen[other], `tied people ${p} and ${other} both chosen`).toBe(0);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('list each chosen person once, by the first contactable dataset in contact order that holds them', () => {
    fc.assert(
      fc.property(world, (w) => {
        const cohort = cohortOf(w);
        const { chosen } = choosePeople(cohort, selectionOf(w), w.cap);
        const lists = assignInvitations(cohort, chosen);
        const order = contactOrder(cohort);
        expect([...lists.keys()]).toEqual(order);
        // Priority first, then the others in run order; never a non-contactable dataset.
        const expected = [
          ...w.priority.filter((d) => w.contactable[d]),
          ...w.records.map((_, d) => d).filter((d) => w.contactable[d] && !w.priority.includes(d)),
        ].map((d) => `ds${d}`);
        expect(order).toEqual(expected);
        const listedIn = new Map<number, string>();
        for (const [id, refs] of lists)
          for (const ref of refs) {
            const { refs: held, person } = cohort.personOfRef.get(id)!;
            const p = person[held.indexOf(ref)]!;
            expect(chosen[p], `ref ${ref} of unchosen person ${p}`).toBe(1);
            expect(listedIn.has(p), `person ${p} listed twice`).toBe(false);
            listedIn.set(p, id);
          }
        for (let p = 0; p < w.people; p++) {
          if (chosen[p] !== 1) continue;
          const first = order.find((id) => cohort.personOfRef.get(id)!.person.includes(p));
          expect(listedIn.get(p)).toBe(first);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('fails loudly when the rule is broken: a tie to an excluded person blocks', () => {
    // Person 0 eligible, tied to excluded person 1: not chosen. Without the tie: chosen.
    const base: World = {
      people: 2,
      excluded: Uint8Array.from([0, 1]),
      eligible: Uint8Array.from([1, 0]),
      ties: [[0, 1]],
      records: [
        [
          ['a', 0],
          ['b', 1],
        ],
      ],
      contactable: [true],
      priority: [0],
      cap: 10,
    };
    expect(choosePeople(cohortOf(base), selectionOf(base), 10).people).toBe(0);
    const untied = { ...base, ties: [] };
    expect(choosePeople(cohortOf(untied), selectionOf(untied), 10).people).toBe(1);
  });
});
