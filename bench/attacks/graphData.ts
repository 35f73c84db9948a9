/**
 * Data plumbing for the graph-matching attack bench and tests: the attacker's plaintext view of
 * a generated CSV (spine or derived format), the published NDJSON encodings, and the truth.
 */
import { readFileSync } from 'node:fs';
import { csvParseRows } from 'd3-dsv';
import type { PlainFieldSpec } from './graphMatching.js';

/** The identifier columns the attacker holds, in order (no NHS number: a public list has none). */
export const PLAIN_COLUMNS = ['given_name', 'family_name', 'date_of_birth', 'sex', 'postcode'] as const;

const letters = (s: string): string =>
  s
    .normalize('NFD')
    .toLowerCase()
    .replace(/[^a-z]/g, '');

/** yyyymmdd from ISO, dd/mm/yyyy, yyyymmdd or dd-Mon-yyyy; '' when unparsable. */
export function plainDate(s: string): string {
  const t = s.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return `${m[1]}${m[2]!.padStart(2, '0')}${m[3]!.padStart(2, '0')}`;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) return `${m[3]}${m[2]!.padStart(2, '0')}${m[1]!.padStart(2, '0')}`;
  m = /^(\d{8})$/.exec(t);
  if (m) return m[1]!;
  const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
  m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(t);
  if (m) {
    const mo = months.indexOf(m[2]!.toLowerCase()) + 1;
    if (mo > 0) return `${m[3]}${String(mo).padStart(2, '0')}${m[1]!.padStart(2, '0')}`;
  }
  return '';
}

/** The attacker's light normalisation of one value of a PLAIN_COLUMNS column. */
export function plainValue(column: (typeof PLAIN_COLUMNS)[number], raw: string): string {
  switch (column) {
    case 'given_name':
      return letters(raw.trim().split(/\s+/)[0] ?? '');
    case 'family_name':
      return letters(raw);
    case 'date_of_birth':
      return plainDate(raw);
    case 'sex': {
      const s = raw.trim().toLowerCase();
      return s === '1' ? 'm' : s === '2' ? 'f' : s === '9' ? 'i' : s.slice(0, 1);
    }
    case 'postcode':
      return raw.replace(/\s+/g, '').toUpperCase();
  }
}

export interface PlainDataset {
  readonly refs: string[];
  readonly values: string[][];
}

/** A generated CSV (header row; first column = ref) as the attacker's plaintext records. */
export function readPlainCsv(file: string): PlainDataset {
  const rows = csvParseRows(readFileSync(file, 'utf8'));
  const header = rows[0]!;
  const cols = PLAIN_COLUMNS.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${file}: no column ${c}`);
    return i;
  });
  const refs: string[] = [];
  const values: string[][] = [];
  for (const row of rows.slice(1)) {
    if (row.length < header.length) continue;
    refs.push(row[0]!);
    values.push(PLAIN_COLUMNS.map((c, k) => plainValue(c, row[cols[k]!] ?? '')));
  }
  return { refs, values };
}

/** The filters of an encodings NDJSON file (header line skipped), with their refs. */
export function readEncodings(file: string): { refs: string[]; filters: Uint8Array[] } {
  const refs: string[] = [];
  const filters: Uint8Array[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as { type?: string; ref?: string; clk?: string };
    if (r.type === 'header' || r.clk === undefined || r.ref === undefined) continue;
    refs.push(r.ref);
    filters.push(new Uint8Array(Buffer.from(r.clk, 'base64')));
  }
  return { refs, filters };
}

/** ref → integer person id, from a generated truth.csv (person_id,dataset,ref). */
export function readTruth(file: string): Map<string, number> {
  const rows = csvParseRows(readFileSync(file, 'utf8')).slice(1);
  const ids = new Map<string, number>();
  const people = new Map<string, number>();
  for (const [person, , ref] of rows) {
    if (person === undefined || ref === undefined) continue;
    let id = people.get(person);
    if (id === undefined) {
      id = people.size;
      people.set(person, id);
    }
    ids.set(ref, id);
  }
  return ids;
}

/** Person ids of refs (−1 when unknown). */
export const personIds = (refs: readonly string[], truth: ReadonlyMap<string, number>): Int32Array =>
  Int32Array.from(refs, (r) => truth.get(r) ?? -1);

interface SchemaLike {
  readonly fields?: readonly {
    readonly column: string;
    readonly features?: readonly {
      readonly tokens?: { readonly kind?: string };
      readonly bitsPerFeature?: number;
      readonly bitsPerToken?: number;
    }[];
  }[];
}

/**
 * A schema-aware attacker's plaintext tokenisation for PLAIN_COLUMNS, read off a (published)
 * cohortlink schema: each field's bit budget as its weight, positional/exact tokens where the
 * schema uses them. Fields not in the schema get weight 0 tokens (ignored).
 */
export function schemaAwareFields(schema: unknown): PlainFieldSpec[] {
  const fields = (schema as SchemaLike).fields ?? [];
  return PLAIN_COLUMNS.map((c) => {
    const ft = fields.find((f) => f.column === c)?.features?.[0];
    if (!ft) return { weight: 0 };
    const kind = ft.tokens?.kind;
    return {
      weight: ft.bitsPerFeature ?? ft.bitsPerToken ?? 1,
      tokens: kind === 'positional' ? 'positional' : kind === 'exact' ? 'exact' : 'qgram',
    };
  });
}
