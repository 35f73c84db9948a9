/**
 * The feasibility query ledger and budget overrides (migration 4). Small typed functions over
 * prepared statements, like the other repos; the rules that use them are in
 * src/cohort/disclosure/queryBudget.ts.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { z } from 'zod';
import { bitsToBytes, bytesToBits } from '../../cohort/disclosure/bitset.js';
import type { AnsweredCell, AnsweredQuery } from '../../cohort/disclosure/overlapControl.js';
import { CohortlinkError, issuesFromZod } from '../../errors.js';
import type { Db } from '../db.js';

export type QueryKind = 'answered' | 'refused';

export interface QueryRowKey {
  readonly id: string;
  readonly projectId: string;
  readonly runId: string;
  readonly organisationId: string;
  readonly at: string;
}

export interface AnsweredRow extends QueryRowKey {
  readonly indexDate: string;
  readonly people: number;
  readonly eligible: Uint32Array;
  readonly excluded: Uint32Array;
  readonly cells: readonly AnsweredCell[];
}

// Sparse sets (a cohort is usually a small part of a run) deflate to a few hundred bytes.
const pack = (bits: Uint32Array) => deflateRawSync(bitsToBytes(bits));
const unpack = (blob: Buffer) => bytesToBits(inflateRawSync(blob));

export function insertAnsweredQuery(db: Db, r: AnsweredRow): void {
  db.prepare(
    `INSERT INTO cohort_query (id, project_id, run_id, organisation_id, at, kind, index_date, people,
       eligible, excluded, cells_json) VALUES (?, ?, ?, ?, ?, 'answered', ?, ?, ?, ?, ?)`,
  ).run(
    r.id,
    r.projectId,
    r.runId,
    r.organisationId,
    r.at,
    r.indexDate,
    r.people,
    pack(r.eligible),
    pack(r.excluded),
    JSON.stringify(r.cells),
  );
}

export function insertRefusedQuery(db: Db, r: QueryRowKey): void {
  db.prepare(
    `INSERT INTO cohort_query (id, project_id, run_id, organisation_id, at, kind)
     VALUES (?, ?, ?, ?, ?, 'refused')`,
  ).run(r.id, r.projectId, r.runId, r.organisationId, r.at);
}

/** Queries (answered and refused) the organisation has spent on the project, all runs together. */
export function countQueries(db: Db, projectId: string, organisationId: string): number {
  const r = db
    .prepare('SELECT count(*) AS n FROM cohort_query WHERE project_id = ? AND organisation_id = ?')
    .get(projectId, organisationId) as { n: number };
  return r.n;
}

/** The run of the organisation's first query in the project, if any. */
export function firstQueriedRun(db: Db, projectId: string, organisationId: string): string | undefined {
  const r = db
    .prepare(
      'SELECT run_id FROM cohort_query WHERE project_id = ? AND organisation_id = ? ORDER BY rowid LIMIT 1',
    )
    .get(projectId, organisationId) as { run_id: string } | undefined;
  return r?.run_id;
}

const PublishedCellSchema = z
  .object({ value: z.number().int().nullable(), suppressed: z.boolean(), display: z.string() })
  .strict();
const CellsSchema = z.array(
  z
    .object({
      path: z.string().min(1),
      cellId: z.string().min(1),
      count: z.number().int().min(0),
      fresh: z.boolean(),
      shown: PublishedCellSchema,
    })
    .strict(),
);

/** The organisation's answered queries on the run, oldest first: the overlap-control history. */
export function answeredQueries(db: Db, runId: string, organisationId: string): AnsweredQuery[] {
  const rows = db
    .prepare(
      `SELECT id, index_date, eligible, excluded, cells_json FROM cohort_query
       WHERE run_id = ? AND organisation_id = ? AND kind = 'answered' ORDER BY rowid`,
    )
    .all(runId, organisationId) as {
    id: string;
    index_date: string;
    eligible: Buffer;
    excluded: Buffer;
    cells_json: string;
  }[];
  return rows.map((r) => {
    const cells = CellsSchema.safeParse(JSON.parse(r.cells_json));
    if (!cells.success)
      throw new CohortlinkError(
        'CL_STORE_CORRUPT',
        `cohort_query ${r.id} has malformed cells`,
        issuesFromZod(cells.error),
      );
    return {
      id: r.id,
      indexDate: r.index_date,
      eligible: unpack(r.eligible),
      excluded: unpack(r.excluded),
      cells: cells.data,
    };
  });
}

export interface BudgetOverride {
  /** Undefined: the service default. */
  readonly queries?: number;
  /** Undefined: bound to the first run queried. */
  readonly runId?: string;
}

export function getBudgetOverride(db: Db, projectId: string, organisationId: string): BudgetOverride {
  const r = db
    .prepare('SELECT queries, run_id FROM query_budget WHERE project_id = ? AND organisation_id = ?')
    .get(projectId, organisationId) as { queries: number | null; run_id: string | null } | undefined;
  return { queries: r?.queries ?? undefined, runId: r?.run_id ?? undefined };
}

export function putBudgetQueries(
  db: Db,
  projectId: string,
  organisationId: string,
  queries: number,
  at: string,
): void {
  db.prepare(
    `INSERT INTO query_budget (project_id, organisation_id, queries, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (project_id, organisation_id) DO UPDATE SET queries = excluded.queries,
       updated_at = excluded.updated_at`,
  ).run(projectId, organisationId, queries, at);
}

export function putBoundRun(
  db: Db,
  projectId: string,
  organisationId: string,
  runId: string,
  at: string,
): void {
  db.prepare(
    `INSERT INTO query_budget (project_id, organisation_id, run_id, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (project_id, organisation_id) DO UPDATE SET run_id = excluded.run_id,
       updated_at = excluded.updated_at`,
  ).run(projectId, organisationId, runId, at);
}
