/**
 * The usage ledger: one row per billable fact (an upload, its records and bytes, a run, its
 * comparisons), written in the same transaction as the change, exported as CSV by period.
 */
import { isoNow } from '../clock.js';
import type { Db } from '../db.js';

export interface UsageInput {
  readonly organisationId: string;
  readonly kind: string;
  readonly quantity: number;
  /** The id of what was used (dataset, run); never an identifier. */
  readonly ref?: string | null;
}

export interface UsageRow {
  readonly id: number;
  readonly organisationId: string;
  readonly organisationName: string | null;
  readonly at: string;
  readonly kind: string;
  readonly quantity: number;
  readonly ref: string | null;
}

export function recordUsage(db: Db, u: UsageInput): void {
  db.prepare('INSERT INTO usage (organisation_id, at, kind, quantity, ref) VALUES (?, ?, ?, ?, ?)').run(
    u.organisationId,
    isoNow(),
    u.kind,
    u.quantity,
    u.ref ?? null,
  );
}

/** Rows with from <= at < to (ISO-8601 UTC strings compare as times). */
export function listUsage(db: Db, from: string, to: string): UsageRow[] {
  return (
    db
      .prepare(
        `SELECT u.id, u.organisation_id, o.name AS organisation_name, u.at, u.kind, u.quantity, u.ref
         FROM usage u LEFT JOIN organisation o ON o.id = u.organisation_id
         WHERE u.at >= ? AND u.at < ? ORDER BY u.id`,
      )
      .all(from, to) as {
      id: number;
      organisation_id: string;
      organisation_name: string | null;
      at: string;
      kind: string;
      quantity: number;
      ref: string | null;
    }[]
  ).map((r) => ({
    id: r.id,
    organisationId: r.organisation_id,
    organisationName: r.organisation_name,
    at: r.at,
    kind: r.kind,
    quantity: r.quantity,
    ref: r.ref,
  }));
}

/** RFC 4180 CSV with a header row; fields quoted when they hold a comma, quote or newline. A
 * leading = + - @ is prefixed with ' so spreadsheets do not run an organisation name as a formula. */
export function usageCsv(rows: readonly UsageRow[]): string {
  const cell = (v: string | number | null): string => {
    if (v === null) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = ['id,at,organisation_id,organisation_name,kind,quantity,ref'];
  for (const r of rows)
    lines.push(
      [r.id, r.at, r.organisationId, r.organisationName, r.kind, r.quantity, r.ref].map(cell).join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}
