/**
 * The per-requester query budget (docs/disclosure-control.md, "Query budget"). Overlap control
 * stops pairs of cells that differ by a few people; it cannot stop combinations of three or more
 * large cells (trackers), each query of which gives one noisy draw of a small count. Only the
 * number of draws bounds what such an attacker learns, so each requesting organisation gets a
 * fixed number of answered feasibility queries per project, all runs together.
 *
 * It also binds an organisation's feasibility queries in a project to one run: overlap control
 * compares sets of people within a run, and a second run over the same datasets would let
 * "X" on one run and "X or S" on the other escape it. Moving to another run is a governance
 * act (bindFeasibilityRun), not a request parameter.
 */
import { z } from 'zod';
import { CohortlinkError, issuesFromZod } from '../../errors.js';
import type { Db } from '../../store/db.js';
import {
  answeredQueries,
  countQueries,
  firstQueriedRun,
  getBudgetOverride,
  insertAnsweredQuery,
  insertRefusedQuery,
  putBoundRun,
  putBudgetQueries,
} from '../../store/repos/queryLedger.js';
import type { AnsweredCell, AnsweredQuery, AnswerPlan } from './overlapControl.js';

/**
 * Answered queries per requesting organisation per project unless governance sets another
 * number. 20 is the largest budget at which the strongest attack we measured still leaves at
 * least two values of a small count plausible in ≥ 95% of attempts (the figures and the command
 * that produced them are in the document).
 */
export const DEFAULT_QUERY_BUDGET = 20;

export const QueryBudgetSchema = z.number().int().min(0).max(1_000_000);

export interface Requester {
  readonly projectId: string;
  readonly organisationId: string;
}

function parseBudget(n: unknown, path: string): number {
  const parsed = QueryBudgetSchema.safeParse(n);
  if (!parsed.success)
    throw new CohortlinkError(
      'CL_USAGE',
      'invalid feasibility query budget',
      issuesFromZod(parsed.error).map((i) => ({ ...i, path: path + i.path.slice(1) })),
    );
  return parsed.data;
}

/** Queries the organisation may still spend on the project (never below 0). */
export function remainingBudget(
  db: Db,
  projectId: string,
  organisationId: string,
  defaultBudget: number,
): number {
  const budget =
    getBudgetOverride(db, projectId, organisationId).queries ?? parseBudget(defaultBudget, '$.defaultBudget');
  return Math.max(0, budget - countQueries(db, projectId, organisationId));
}

/** Governance: the organisation's budget for the project (queries already spent still count). */
export function setBudget(db: Db, projectId: string, organisationId: string, queries: number): void {
  putBudgetQueries(
    db,
    projectId,
    organisationId,
    parseBudget(queries, '$.queries'),
    new Date().toISOString(),
  );
}

/** The run the organisation's feasibility queries in the project are bound to, if any yet. */
export function feasibilityRun(db: Db, projectId: string, organisationId: string): string | undefined {
  return (
    getBudgetOverride(db, projectId, organisationId).runId ?? firstQueriedRun(db, projectId, organisationId)
  );
}

/**
 * Governance: moves the organisation's feasibility queries in the project to another run. Its
 * earlier answers on the old run are not compared with the new run's (different people
 * indices), so each move lets one old answer be paired with a new one; the budget still counts
 * every query.
 */
export function bindFeasibilityRun(db: Db, projectId: string, organisationId: string, runId: string): void {
  const run = db.prepare('SELECT project_id FROM run WHERE id = ?').get(runId) as
    | { project_id: string }
    | undefined;
  if (run === undefined || run.project_id !== projectId)
    throw new CohortlinkError('CL_NOT_FOUND', `no run ${runId} in project ${projectId}`);
  putBoundRun(db, projectId, organisationId, runId, new Date().toISOString());
}

export interface QueryContext extends Requester {
  readonly runId: string;
  readonly defaultBudget: number;
}

/**
 * Throws CL_CONFLICT if the organisation's feasibility is bound to another run, and
 * CL_BUDGET_EXHAUSTED if it has no query left. Neither depends on the data, so refusing says
 * nothing about any count. Call it before evaluating (to fail fast); the record functions call
 * it again inside the transaction, so concurrent requests cannot overspend.
 */
export function assertMayQuery(db: Db, q: QueryContext): void {
  const bound = feasibilityRun(db, q.projectId, q.organisationId);
  if (bound !== undefined && bound !== q.runId)
    throw new CohortlinkError(
      'CL_CONFLICT',
      `feasibility queries of this organisation in project ${q.projectId} are bound to run ${bound}; ` +
        'an admin can move them to another run',
      [{ path: '$.params.runId', message: `must be ${bound}` }],
    );
  const left = remainingBudget(db, q.projectId, q.organisationId, q.defaultBudget);
  if (left === 0)
    throw new CohortlinkError(
      'CL_BUDGET_EXHAUSTED',
      `this organisation has used its feasibility query budget for project ${q.projectId}; ` +
        'governance can raise it',
    );
}

/**
 * Records an answered query (inside the caller's transaction, after publishPlan): spends one
 * query and keeps the sets and cells that later answers on the run are compared with.
 */
export function recordAnsweredQuery(
  db: Db,
  q: QueryContext & {
    readonly id: string;
    readonly at: string;
    readonly plan: AnswerPlan;
    readonly cells: readonly AnsweredCell[];
  },
): void {
  assertMayQuery(db, q);
  insertAnsweredQuery(db, {
    id: q.id,
    projectId: q.projectId,
    runId: q.runId,
    organisationId: q.organisationId,
    at: q.at,
    indexDate: q.plan.indexDate,
    people: q.plan.people,
    eligible: q.plan.eligible,
    excluded: q.plan.excluded,
    cells: q.cells,
  });
}

/**
 * Records a query refused for a reason of the caller's (spends budget, keeps no sets): a refusal
 * that cost nothing would be a free oracle. Overlap control itself never refuses (see
 * overlapControl.ts for why).
 */
export function recordRefusedQuery(
  db: Db,
  q: QueryContext & { readonly id: string; readonly at: string },
): void {
  assertMayQuery(db, q);
  insertRefusedQuery(db, q);
}

/** The organisation's answered queries on the run, oldest first: planAnswer's history. */
export function feasibilityHistory(db: Db, runId: string, organisationId: string): AnsweredQuery[] {
  return answeredQueries(db, runId, organisationId);
}
