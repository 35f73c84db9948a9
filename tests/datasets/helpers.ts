import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const created: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeTempDirs` (call it in afterAll). */
export function tempDir(prefix = 'cohortlink-generate-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A generated CSV as header + rows of strings (RFC 4180 parse, so quoted commas survive). */
export function readCsv(path: string): { header: string[]; rows: string[][] } {
  const all = parse(readFileSync(path, 'utf8'), { relaxColumnCount: false }) as string[][];
  return { header: all[0]!, rows: all.slice(1) };
}

/** Rows as objects keyed by header. */
export function readRecords(path: string): Record<string, string>[] {
  const { header, rows } = readCsv(path);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]!])));
}

export interface Truth {
  /** dataset → ref → person id */
  readonly byDataset: Map<string, Map<string, string>>;
  readonly rows: number;
}

export function readTruth(path: string): Truth {
  const byDataset = new Map<string, Map<string, string>>();
  const { rows } = readCsv(path);
  for (const [pid, dataset, ref] of rows) {
    let m = byDataset.get(dataset!);
    if (!m) {
      m = new Map();
      byDataset.set(dataset!, m);
    }
    if (m.has(ref!)) throw new Error(`duplicate truth row for ${dataset} ${ref}`);
    m.set(ref!, pid!);
  }
  return { byDataset, rows: rows.length };
}

/** dd/mm/yyyy → yyyy-mm-dd (hospital format) */
export const hospitalDateToIso = (d: string): string =>
  d === '' ? '' : `${d.slice(6)}-${d.slice(3, 5)}-${d.slice(0, 2)}`;
