import { describe, expect, it } from 'vitest';
import { publishPlan } from '../../../src/cohort/disclosure/controlledPublish.js';
import { createDisclosureKey } from '../../../src/cohort/disclosure/index.js';
import { planAnswer } from '../../../src/cohort/disclosure/overlapControl.js';
import {
  assertMayQuery,
  bindFeasibilityRun,
  DEFAULT_QUERY_BUDGET,
  feasibilityHistory,
  feasibilityRun,
  type QueryContext,
  recordAnsweredQuery,
  recordRefusedQuery,
  remainingBudget,
  setBudget,
} from '../../../src/cohort/disclosure/queryBudget.js';
import { CohortlinkError, ERROR_CODES } from '../../../src/errors.js';
import { type Db, openDatabase, schemaVersion } from '../../../src/store/db.js';
import { LATEST_VERSION } from '../../../src/store/migrations.js';
import { createOrganisation } from '../../../src/store/repos/organisations.js';
import { createProject } from '../../../src/store/repos/projects.js';
import { layoutOf, makePeople, querySets, rng, sample } from './people.js';

const key = createDisclosureKey('query-budget-test-secret-0123456789');
const people = makePeople(300, 21, { exclusions: true });
const layout = layoutOf(people);
const everyone = [...Array(people.count).keys()];

function world() {
  const db = openDatabase(':memory:');
  const orgA = createOrganisation(db, 'University A').id;
  const orgB = createOrganisation(db, 'University B').id;
  const project = createProject(db, 'Trial').id;
  const other = createProject(db, 'Other trial').id;
  const run = (id: string, projectId: string) =>
    db
      .prepare(
        `INSERT INTO run (id, project_id, requested_by, options_json, dataset_ids_json, state, created_at)
         VALUES (?, ?, ?, '{}', '[]', 'succeeded', 'now')`,
      )
      .run(id, projectId, orgA);
  run('run1', project);
  run('run2', project);
  run('runX', other);
  return { db, orgA, orgB, project, other };
}

let n = 0;
/** What the route does, in one synchronous transaction: plan, publish, record. */
function answer(db: Db, ctx: QueryContext, chosen: number[], indexDate = '2025-06-01') {
  return db.transaction(() => {
    const history = feasibilityHistory(db, ctx.runId, ctx.organisationId);
    const plan = planAnswer(querySets(people, chosen, indexDate), history, layout);
    const total = plan.cells[0]!.count;
    const { feasibility, cells } = publishPlan(plan, {
      key,
      history,
      linkageRange: { low: total, high: total },
    });
    recordAnsweredQuery(db, { ...ctx, id: `q${++n}`, at: new Date().toISOString(), plan, cells });
    return { plan, feasibility, cells };
  })();
}

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CohortlinkError);
    return (e as CohortlinkError).code;
  }
  return 'no error';
};

describe('the query ledger', () => {
  it('is migration 4', () => {
    const { db } = world();
    expect(LATEST_VERSION).toBe(4);
    expect(schemaVersion(db)).toBe(4);
  });

  it("keeps each answer's sets and cells, oldest first, per organisation and run", () => {
    const { db, orgA, orgB, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 20 };
    const a = answer(db, ctx, sample(everyone, 120, rng(1)), '2025-01-01');
    const b = answer(db, ctx, sample(everyone, 40, rng(2)), '2025-02-01');
    answer(db, { ...ctx, organisationId: orgB }, sample(everyone, 40, rng(3)));
    const h = feasibilityHistory(db, 'run1', orgA);
    expect(h.map((q) => q.indexDate)).toEqual(['2025-01-01', '2025-02-01']);
    expect(h[0]!.eligible).toEqual(a.plan.eligible);
    expect(h[0]!.excluded).toEqual(a.plan.excluded);
    expect(h[1]!.cells).toEqual(b.cells);
    expect(feasibilityHistory(db, 'run1', orgB)).toHaveLength(1);
    expect(feasibilityHistory(db, 'run2', orgA)).toHaveLength(0);
    // The stored form of a sparse set is small.
    const row = db.prepare('SELECT length(eligible) AS n FROM cohort_query LIMIT 1').get() as { n: number };
    expect(row.n).toBeLessThan(80);
  });

  it('refuses malformed stored cells as a corrupt store', () => {
    const { db, orgA, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 20 };
    answer(db, ctx, sample(everyone, 20, rng(1)));
    db.prepare(`UPDATE cohort_query SET cells_json = '[{"path":"total"}]'`).run();
    expect(code(() => feasibilityHistory(db, 'run1', orgA))).toBe('CL_STORE_CORRUPT');
  });
});

describe('the budget', () => {
  it('defaults to 20 answered queries per organisation per project, all runs together', () => {
    expect(DEFAULT_QUERY_BUDGET).toBe(20);
    const { db, orgA, orgB, project, other } = world();
    const ctx = {
      projectId: project,
      runId: 'run1',
      organisationId: orgA,
      defaultBudget: DEFAULT_QUERY_BUDGET,
    };
    for (let i = 0; i < 20; i++) {
      expect(remainingBudget(db, project, orgA, DEFAULT_QUERY_BUDGET)).toBe(20 - i);
      answer(db, ctx, sample(everyone, 30 + i * 10, rng(i)));
    }
    expect(remainingBudget(db, project, orgA, DEFAULT_QUERY_BUDGET)).toBe(0);
    expect(code(() => assertMayQuery(db, ctx))).toBe('CL_BUDGET_EXHAUSTED');
    // The spent query is refused before anything is written.
    expect(code(() => answer(db, ctx, sample(everyone, 50, rng(99))))).toBe('CL_BUDGET_EXHAUSTED');
    expect(feasibilityHistory(db, 'run1', orgA)).toHaveLength(20);
    // Other organisations and projects have their own.
    expect(remainingBudget(db, project, orgB, DEFAULT_QUERY_BUDGET)).toBe(20);
    expect(remainingBudget(db, other, orgA, DEFAULT_QUERY_BUDGET)).toBe(20);
  });

  it('can be set by governance, counting queries already spent', () => {
    const { db, orgA, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 2 };
    answer(db, ctx, sample(everyone, 30, rng(1)));
    answer(db, ctx, sample(everyone, 60, rng(2)));
    expect(code(() => assertMayQuery(db, ctx))).toBe('CL_BUDGET_EXHAUSTED');
    setBudget(db, project, orgA, 3);
    expect(remainingBudget(db, project, orgA, 2)).toBe(1);
    answer(db, ctx, sample(everyone, 90, rng(3)));
    setBudget(db, project, orgA, 1);
    expect(remainingBudget(db, project, orgA, 2)).toBe(0);
    expect(code(() => setBudget(db, project, orgA, -1))).toBe('CL_USAGE');
    expect(code(() => setBudget(db, project, orgA, 1.5))).toBe('CL_USAGE');
  });

  it('is spent by refusals too, which keep no sets', () => {
    const { db, orgA, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 5 };
    recordRefusedQuery(db, { ...ctx, id: 'r1', at: new Date().toISOString() });
    expect(remainingBudget(db, project, orgA, 5)).toBe(4);
    expect(feasibilityHistory(db, 'run1', orgA)).toHaveLength(0);
  });

  it('binds an organisation to the first run it queried until governance moves it', () => {
    const { db, orgA, orgB, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 20 };
    expect(feasibilityRun(db, project, orgA)).toBeUndefined();
    answer(db, ctx, sample(everyone, 30, rng(1)));
    expect(feasibilityRun(db, project, orgA)).toBe('run1');
    // "X" on run 1 and "X or S" on run 2 would escape overlap control (different person indices).
    expect(code(() => assertMayQuery(db, { ...ctx, runId: 'run2' }))).toBe('CL_CONFLICT');
    expect(code(() => assertMayQuery(db, { ...ctx, organisationId: orgB, runId: 'run2' }))).toBe('no error');
    expect(code(() => bindFeasibilityRun(db, project, orgA, 'runX'))).toBe('CL_NOT_FOUND');
    bindFeasibilityRun(db, project, orgA, 'run2');
    expect(code(() => assertMayQuery(db, { ...ctx, runId: 'run1' }))).toBe('CL_CONFLICT');
    answer(db, { ...ctx, runId: 'run2' }, sample(everyone, 30, rng(2)));
    expect(remainingBudget(db, project, orgA, 20)).toBe(18);
  });

  it('is refused with 403 CL_BUDGET_EXHAUSTED, a message naming no count', () => {
    expect(ERROR_CODES.CL_BUDGET_EXHAUSTED.httpStatus).toBe(403);
    const { db, orgA, project } = world();
    const ctx = { projectId: project, runId: 'run1', organisationId: orgA, defaultBudget: 0 };
    try {
      assertMayQuery(db, ctx);
      expect.unreachable();
    } catch (e) {
      expect((e as CohortlinkError).message).not.toMatch(/\d+ (people|records)/);
    }
  });
});
